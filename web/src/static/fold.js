// Vietnamese folding, the same as the server's (src/search/fold.rs): canonical
// decomposition, combining marks U+0300–U+036F dropped, đ/Đ (a letter of its own, not
// a decomposable one) to d, everything lower-cased. "cao dang nghe" meets "Cao đẳng Nghề".
// The static index ships names folded by the server; only what is typed is folded here
// (web/tests/static.test.mjs checks both agree).
export function fold(s) {
  let out = '';
  for (const c of String(s).normalize('NFD')) {
    const cp = c.codePointAt(0);
    if (cp >= 0x300 && cp <= 0x36f) continue;
    out += c === 'đ' || c === 'Đ' ? 'd' : c.toLowerCase();
  }
  return out;
}

/// The folded words of `s`: runs of letters and digits (the server's `words`).
export function words(s) {
  return fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}
