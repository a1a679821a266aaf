// The periodic report's "Print / save as PDF" button (no inline handler: the
// Content-Security-Policy allows scripts from files only).
for (const button of document.querySelectorAll('button[data-print]')) {
  button.addEventListener('click', () => window.print());
}
