// What a refusal means, in the page's language. The server explains itself in English;
// its closed set of reasons is said here in Vietnamese or English, and a field message
// we cannot translate is shown as the server wrote it, marked as English.
import { lang, t } from '../i18n.js';
import { h, live } from './dom.js';

/// The sentence for a failed request (`context`: 'signin' reads a 401 as a wrong
/// password rather than an ended session).
export function errorText(err, context = '') {
  const s = err.status;
  const code = err.code;
  if (s === 0) return t('err.network');
  if (s === 401) return t(context === 'signin' ? 'err.wrong_login' : 'err.signed_out');
  if (s === 403) return t('err.forbidden');
  if (s === 404) return t('err.not_found');
  if (s === 409) return t('err.conflict');
  if (s === 412) return t('err.stale');
  if (s === 413) return t('err.too_large');
  if (s === 429) {
    const secs = Number(err.headers.get('retry-after')) || null;
    return secs ? t('err.too_many_wait', { n: secs }) : t('err.too_many');
  }
  if (code === 'NeedsDatabase') return t('err.needs_db');
  if (code === 'DatabaseUnavailable') return t('err.db_down');
  if (code === 'Busy') return t('err.busy');
  if (s === 503) return t('err.unavailable');
  if (s === 400 || s === 422) return t('err.invalid');
  const id = err.headers.get('x-request-id');
  return id ? t('err.server_id', { id }) : t('err.server');
}

/// An element that says `errorText(err)` (and follows the language), with the server's
/// own description after it where it adds something (a 400's reason, a 409's login).
export function errorMessage(err, context = '') {
  const p = h('p', { class: 'error', role: 'alert' });
  return live(p, (el) => {
    el.replaceChildren(errorText(err, context));
    const detail = err.body?.description;
    if (detail && [400, 403, 409, 422].includes(err.status) && !err.body.errors) {
      el.append(' ', serverText(detail));
    }
  });
}

/// The field errors of a 400: `[{field, message}]` from `errors` (records) or
/// `parameter` (single values).
export function fieldErrors(err) {
  if (Array.isArray(err.body?.errors)) {
    return err.body.errors.map((e) => ({ field: e.field || '', message: e.message || '' }));
  }
  if (err.body?.parameter) return [{ field: err.body.parameter, message: err.body.description || '' }];
  return [];
}

// The record parser's messages (src/model/record.rs and friends), in Vietnamese.
const VI = [
  [/^is required$/, () => 'bắt buộc phải điền'],
  [/^expected a finite number$/, () => 'phải là một số'],
  [/^expected a whole number of at least 0, got (.+)$/, (m) => `phải là số nguyên không âm (đang là ${m[1]})`],
  [/^must be a percentage from 0 to 100, got (.+)$/, (m) => `phải là tỷ lệ từ 0 đến 100 (đang là ${m[1]})`],
  [/^(".*") is not a (\d)-digit GSO code$/, (m) => `${m[1]} không phải mã GSO ${m[2]} chữ số`],
  [/^(".*") is not a 7-digit national catalogue code$/, (m) => `${m[1]} không phải mã nghề 7 chữ số của danh mục quốc gia`],
  [/^(".*") is not an e-mail address$/, (m) => `${m[1]} không phải địa chỉ thư điện tử`],
  [/^(".*") must start with http:\/\/ or https:\/\/$/, (m) => `${m[1]} phải bắt đầu bằng http:// hoặc https://`],
  [/^(".*") is not one of: (.+)$/, (m) => `${m[1]} không thuộc các giá trị: ${m[2]}`],
  [/^longitude must be a number from -180 to 180, got (.+)$/, (m) => `kinh độ phải từ -180 đến 180 (đang là ${m[1]})`],
  [/^latitude must be a number from -90 to 90, got (.+)$/, (m) => `vĩ độ phải từ -90 đến 90 (đang là ${m[1]})`],
  [/^(\d+) starts with (\d) but a (\w+) programme's code starts with (\d)$/,
    (m) => `mã ${m[1]} bắt đầu bằng ${m[2]} nhưng chương trình trình độ ${t(`level.${m[3]}`)} phải có mã bắt đầu bằng ${m[4]}`],
  [/^a password has at least (\d+) characters$/, (m) => `mật khẩu phải có ít nhất ${m[1]} ký tự`],
  [/^a password has at most (\d+) bytes$/, (m) => `mật khẩu dài quá ${m[1]} byte`],
  [/^a login is 3 to 64 characters/, () => 'tên đăng nhập dài 3 đến 64 ký tự: chữ thường không dấu, chữ số, ".", "_", "@", "-"'],
  [/^a display name has 1 to 200 characters$/, () => 'họ tên dài 1 đến 200 ký tự'],
  [/^a district account needs at least one area$/, () => 'tài khoản cấp huyện cần ít nhất một đơn vị hành chính'],
  [/^an institution account needs at least one institution$/, () => 'tài khoản của cơ sở cần ít nhất một cơ sở'],
  [/^admin and province accounts cover everything/, () => 'tài khoản quản trị và cấp tỉnh bao quát mọi nơi: không ghi đơn vị hay cơ sở'],
  [/^(".*") is not a 2-, 3- or 5-digit GSO code$/, (m) => `${m[1]} không phải mã GSO 2, 3 hoặc 5 chữ số`],
  [/^a token's name has 1 to 100 characters/, () => 'tên mã truy cập dài 1 đến 100 ký tự (ghi rõ dùng vào việc gì)'],
  [/^a token lasts 1 to (\d+) days$/, (m) => `mã truy cập có hạn từ 1 đến ${m[1]} ngày`],
  [/^the current password is wrong$/, () => 'mật khẩu hiện tại không đúng'],
];

/// A field message from the server in the page's language when we know it, else as
/// the server wrote it (marked English so a screen reader says it right).
export function translatedField(message) {
  if (lang() === 'vi') {
    for (const [re, say] of VI) {
      const m = re.exec(message);
      if (m) return document.createTextNode(say(m));
    }
  }
  return serverText(message);
}

function serverText(text) {
  return lang() === 'en' ? document.createTextNode(text) : h('span', { lang: 'en', text });
}
