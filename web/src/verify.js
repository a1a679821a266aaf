// The check page (verify.html): a credential checked by serial and date of birth, and a
// signed statement checked offline (WebCrypto Ed25519 + the Bitstring Status List).
// Bundled into dist/verify.js; a module, so strict and run once the page is parsed.
const T = {
  vi: {
    title: 'Kiểm tra văn bằng, chứng chỉ GDNN', back: '← Bản đồ',
    intro: 'Nhập số hiệu văn bằng và ngày sinh của người được cấp. Chúng tôi chỉ cho biết văn bằng có hợp lệ không và ai đã cấp; không bao giờ hiển thị thông tin cá nhân.',
    serial: 'Số hiệu văn bằng', birth: 'Ngày sinh của người được cấp', name: 'Họ và tên (không bắt buộc)',
    nameHint: 'Có thể gõ không dấu.', submit: 'Kiểm tra',
    offlineTitle: 'Kiểm tra một xác nhận đã ký',
    offlineIntro: 'Dán xác nhận (JWS) nhận được, hoặc quét mã QR. Chữ ký được kiểm tra ngay trong trình duyệt bằng khoá công khai của hệ thống.',
    jws: 'Xác nhận đã ký (JWS)', checkJws: 'Kiểm tra chữ ký',
    valid: 'Văn bằng hợp lệ', revoked: 'Văn bằng đã bị thu hồi', not_found: 'Không tìm thấy',
    notFoundText: 'Không có văn bằng nào khớp với số hiệu và ngày sinh này. Hãy kiểm tra lại.',
    kind: 'Loại', occupation: 'Ngành, nghề', level: 'Trình độ', year: 'Năm tốt nghiệp', issued: 'Ngày cấp',
    holder: 'Người được cấp', institution: 'Cơ sở cấp', revokedOn: 'Ngày thu hồi', reason: 'Lý do',
    profile: 'Hồ sơ cơ sở', onMap: 'Xem trên bản đồ', statement: 'Tải xác nhận đã ký', qr: 'Mã QR',
    tooMany: 'Bạn đã kiểm tra quá nhiều lần. Thử lại sau {s} giây.', error: 'Có lỗi: ',
    genuine: 'Chữ ký hợp lệ', forged: 'Chữ ký không hợp lệ: xác nhận đã bị sửa hoặc giả mạo',
    statusOk: 'Chưa bị thu hồi (theo danh sách trạng thái).', statusRevoked: 'ĐÃ BỊ THU HỒI (theo danh sách trạng thái).',
    statusUnknown: 'Không tải được danh sách trạng thái: chưa kiểm tra thu hồi.',
    noCrypto: 'Trình duyệt này không kiểm tra được chữ ký Ed25519; hãy dùng lệnh "vetmap verify".',
    statementGone: 'Không còn bản xác nhận cho mã này: văn bằng đã bị thu hồi, hoặc đường dẫn không đúng. Hãy kiểm tra lại bằng số hiệu và ngày sinh ở trên.',
    college_diploma: 'Bằng tốt nghiệp cao đẳng', intermediate_diploma: 'Bằng tốt nghiệp trung cấp',
    elementary_certificate: 'Chứng chỉ sơ cấp', college: 'Cao đẳng', intermediate: 'Trung cấp', elementary: 'Sơ cấp',
    demo: 'BẢN GHI MINH HỌA, không phải văn bằng thật',
    demoText: 'Bản ghi này chỉ để giới thiệu và kiểm thử hệ thống (số hiệu bắt đầu bằng DEMO-). Không dùng nó làm bằng chứng về trình độ của bất kỳ ai.',
    demoStatus: 'Trạng thái trong dữ liệu minh họa',
  },
  en: {
    title: 'Check a vocational diploma or certificate', back: '← Map',
    intro: "Enter the document's serial number and the holder's date of birth. We only say whether it is genuine and who issued it; personal data is never shown.",
    serial: 'Serial number', birth: "Holder's date of birth", name: "Holder's full name (optional)",
    nameHint: 'Diacritics are optional.', submit: 'Check',
    offlineTitle: 'Check a signed statement',
    offlineIntro: 'Paste a statement (JWS) you received, or scan its QR code. The signature is checked in your browser with the published public key.',
    jws: 'Signed statement (JWS)', checkJws: 'Check signature',
    valid: 'Genuine and valid', revoked: 'Revoked', not_found: 'Not found',
    notFoundText: 'No document matches this serial number and date of birth. Please check them.',
    kind: 'Kind', occupation: 'Occupation', level: 'Level', year: 'Graduation year', issued: 'Issue date',
    holder: 'Holder', institution: 'Issued by', revokedOn: 'Revoked on', reason: 'Reason',
    profile: 'Institution profile', onMap: 'Show on the map', statement: 'Download signed statement', qr: 'QR code',
    tooMany: 'Too many checks. Try again in {s} seconds.', error: 'Error: ',
    genuine: 'Genuine signature', forged: 'Invalid signature: the statement was altered or forged',
    statusOk: 'Not revoked (per the status list).', statusRevoked: 'REVOKED (per the status list).',
    statusUnknown: 'Could not fetch the status list: revocation not checked.',
    noCrypto: 'This browser cannot check Ed25519 signatures; use the "vetmap verify" command.',
    statementGone: 'No statement is available for this code any more: the credential has been revoked, or the link is wrong. Check it again with the serial and date of birth above.',
    college_diploma: 'College diploma', intermediate_diploma: 'Intermediate diploma',
    elementary_certificate: 'Elementary certificate', college: 'College', intermediate: 'Intermediate', elementary: 'Elementary',
    demo: 'DEMONSTRATION RECORD, not a real credential',
    demoText: "This record exists only to show and test the service (its serial starts with DEMO-). Do not take it as proof of anyone's qualifications.",
    demoStatus: 'Status within the demonstration data',
  },
};
let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'vi';
const t = (k) => T[lang][k] ?? k;
const $ = (id) => document.getElementById(id);

function applyLang() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  $('lang').textContent = lang === 'vi' ? 'English' : 'Tiếng Việt';
  $('lang').lang = lang === 'vi' ? 'en' : 'vi';
  document.title = t('title') + ' · vetmap';
}
$('lang').addEventListener('click', (e) => {
  e.preventDefault();
  lang = lang === 'vi' ? 'en' : 'vi';
  const u = new URL(location.href);
  if (lang === 'en') u.searchParams.set('lang', 'en'); else u.searchParams.delete('lang');
  history.replaceState(null, '', u);
  applyLang();
});

// Builds elements without innerHTML: everything shown comes from the server or the user.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
function details(rows) {
  const dl = el('dl');
  for (const [k, v] of rows) if (v != null && v !== '') dl.append(el('dt', {}, t(k)), el('dd', {}, String(v)));
  return dl;
}
function institutionLinks(id) {
  const lq = lang === 'en' ? '?lang=en' : '';
  return el('p', {},
    el('a', { href: `/institutions/${encodeURIComponent(id)}${lq}` }, t('profile')), ' · ',
    el('a', { href: `/?institution=${encodeURIComponent(id)}` }, t('onMap')));
}
function credentialRows(c, inst) {
  const name = lang === 'en' ? (inst.name_en || inst.name_vi) : inst.name_vi;
  return [['kind', t(c.kind)], ['occupation', `${c.occupation_name} (${c.occupation_code})`],
    ['level', t(c.level)], ['year', c.graduation_year], ['issued', c.issue_date],
    ['holder', c.holder_name_masked], ['institution', name || inst.id]];
}

// A demonstration record never reads as a genuine credential: its heading says what it
// is, and its status is only that of the demonstration data.
function demoNotice(titled) {
  const notice = el('p', { class: 'demo-notice', id: 'demoNotice' }, t('demoText'));
  if (titled) notice.prepend(el('strong', {}, t('demo')), ' ');
  return notice;
}

function showAnswer(v) {
  const demo = v.demonstration === true;
  const box = el('div', { class: `result ${v.result}${demo ? ' demo' : ''}`, id: 'result', 'data-result': v.result, 'data-demonstration': String(demo) },
    el('h3', {}, demo ? t('demo') : t(v.result)));
  if (demo) box.append(demoNotice(false), el('p', {}, `${t('demoStatus')}: ${t(v.result)}`));
  if (v.result === 'not_found') {
    box.append(el('p', {}, t('notFoundText')));
  } else {
    box.append(details(credentialRows(v.credential, v.institution)));
    if (v.result === 'revoked') box.append(details([['revokedOn', v.revocation.date], ['reason', v.revocation.reason]]));
    box.append(institutionLinks(v.institution.id));
    if (v.statement) {
      const l = v.statement.links;
      box.append(el('p', {}, el('a', { href: l.jws, download: 'statement.jwt' }, t('statement'))),
        el('p', { class: 'qr' }, el('img', { src: l.qr_svg, alt: t('qr') })));
    }
  }
  $('answer').replaceChildren(box);
}
function showError(target, message) {
  target.replaceChildren(el('div', { class: 'result error', id: target.id + 'Error' }, el('p', {}, message)));
}

$('check').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { serial: $('serial').value, birth_date: $('birth_date').value };
  if ($('holder_name').value.trim()) body.holder_name = $('holder_name').value;
  try {
    const r = await fetch('/api/v1/credentials/verify', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const v = await r.json();
    if (r.status === 429) return showError($('answer'), t('tooMany').replace('{s}', r.headers.get('retry-after') || '60'));
    if (!r.ok) return showError($('answer'), t('error') + (v.description || r.status));
    showAnswer(v);
  } catch (err) {
    showError($('answer'), t('error') + err);
  }
});

// ---- Offline check of a signed statement: WebCrypto Ed25519 + Bitstring Status List ----
const b64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
const utf8 = (bytes) => new TextDecoder().decode(bytes);

// The issuer's keys, picked by the statement's kid. A key added by a rotation is missing
// from a copy the browser cached before it: then the set is fetched again past the cache.
// Not having the keys is an error to show, never a sign of forgery.
class KeysUnavailable extends Error {}
let keySet = null;
async function keysFor(kid) {
  const fetchKeys = async (cache) => (await fetch('/.well-known/jwks.json', { cache })).json();
  try {
    if (!keySet) keySet = await fetchKeys('default');
    if (!keySet.keys.some((k) => k.kid === kid)) keySet = await fetchKeys('no-cache');
    return keySet;
  } catch (err) {
    throw new KeysUnavailable(String(err));
  }
}
async function verifyJws(jws) {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const header = JSON.parse(utf8(b64u(parts[0])));
  if (header.alg !== 'EdDSA') throw new Error('alg must be EdDSA');
  if (header.typ !== 'vc+jwt') throw new Error('typ must be vc+jwt');
  const jwk = (await keysFor(header.kid)).keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('unknown key');
  const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, b64u(parts[2]), new TextEncoder().encode(parts[0] + '.' + parts[1]));
  return ok ? JSON.parse(utf8(b64u(parts[1]))) : null;
}
// Bitstring Status List v1.0: the list must be at least 16 KB, and the index inside it.
async function bitIsSet(encodedList, index) {
  if (!encodedList.startsWith('u')) throw new Error('encodedList is not multibase base64url');
  const stream = new Blob([b64u(encodedList.slice(1))]).stream().pipeThrough(new DecompressionStream('gzip'));
  const bits = new Uint8Array(await new Response(stream).arrayBuffer());
  if (bits.length < 16384) throw new Error('the status list is shorter than 16 KB');
  if (!Number.isInteger(index) || index < 0 || index >= bits.length * 8) throw new Error('index outside the list');
  return (bits[Math.floor(index / 8)] & (0x80 >> (index % 8))) !== 0;
}
// Only a fresh revocation list from the statement's own issuer can answer for it;
// anything else leaves the status unknown rather than "not revoked".
async function revocation(vc) {
  try {
    const entry = vc.credentialStatus;
    // Fetching the whole list tells the server nothing about which record is checked.
    const url = new URL(entry.statusListCredential);
    const r = await fetch(url.pathname);
    const list = await verifyJws(await r.text());
    if (!list || list.id !== entry.statusListCredential) return 'statusUnknown';
    if (!(list.type || []).includes('BitstringStatusListCredential')) return 'statusUnknown';
    if (list.issuer !== vc.issuer) return 'statusUnknown';
    const subject = list.credentialSubject || {};
    if (subject.statusPurpose !== 'revocation' || entry.statusPurpose !== 'revocation') return 'statusUnknown';
    if (list.validUntil !== undefined && !(Date.parse(list.validUntil) >= Date.now())) return 'statusUnknown';
    return (await bitIsSet(subject.encodedList, Number(entry.statusListIndex))) ? 'statusRevoked' : 'statusOk';
  } catch (_) {
    return 'statusUnknown';
  }
}
async function checkStatement(jws) {
  const out = $('jwsAnswer');
  if (!crypto.subtle) return showError(out, t('noCrypto'));
  try {
    let vc;
    try { vc = await verifyJws(jws); } catch (err) {
      if (err instanceof KeysUnavailable) throw err;
      if (String(err).includes('Algorithm')) return showError(out, t('noCrypto'));
      vc = null;
    }
    if (!vc) {
      out.replaceChildren(el('div', { class: 'result forged', id: 'jwsResult', 'data-result': 'forged' }, el('h3', {}, t('forged'))));
      return;
    }
    const status = await revocation(vc);
    const s = vc.credentialSubject;
    const demo = s.demonstration === true;
    const box = el('div', { class: `result ${status === 'statusRevoked' ? 'revoked' : 'genuine'}${demo ? ' demo' : ''}`, id: 'jwsResult', 'data-result': status, 'data-demonstration': String(demo) },
      el('h3', {}, t('genuine')), ...(demo ? [demoNotice(true)] : []), el('p', {}, t(status)),
      details(credentialRows(s.credential, { id: s.issuingInstitution.identifier, name_vi: s.issuingInstitution.name_vi, name_en: s.issuingInstitution.name_en })),
      institutionLinks(s.issuingInstitution.identifier));
    out.replaceChildren(box);
  } catch (err) {
    showError(out, t('error') + err);
  }
}
$('checkJws').addEventListener('click', () => checkStatement($('jws').value));

// A QR code opens this page at #statement=TOKEN: fetch that statement and check it here.
async function fromFragment() {
  const token = new URLSearchParams(location.hash.slice(1)).get('statement');
  if (!token || !/^[A-Za-z0-9_-]{16,64}$/.test(token)) return;
  const r = await fetch(`/api/v1/credentials/${token}/statement`);
  if (r.status === 404) return showError($('jwsAnswer'), t('statementGone'));
  if (!r.ok) return showError($('jwsAnswer'), t('error') + r.status);
  $('jws').value = await r.text();
  await checkStatement($('jws').value);
}
applyLang();
fromFragment();
