//! Who the client is: the one place that reads a client's address, for rate limits.
//!
//! With `VETMAP_TRUSTED_PROXY_HOPS = N` (N reverse proxies in front, each appending the
//! address it saw to `X-Forwarded-For`), the client is the N-th address from the right of
//! `X-Forwarded-For`, all its header lines read in order. Everything left of that entry
//! came from the client and is never read. With N = 0 the TCP peer is the client.
//!
//! A request with fewer than N entries did not pass through every proxy (it reached an
//! inner one directly, or a proxy is misconfigured), so none of its entries can be told
//! apart from what the client wrote: such a request is counted as its TCP peer, the
//! nearest proxy. That never lets a client choose its own address, and it only lumps
//! together requests that bypassed the outer proxies; taking the leftmost entry instead
//! would let a client that reaches an inner proxy pick any address it likes. An entry at
//! the N-th place that is not an address (a misconfigured proxy) is treated the same.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::AppState;

/// The client's address, as the configured proxies vouch for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Without connection info (a router driven in-process) every request is one
        // unknown client.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(ClientAddr(client_addr(
            &parts.headers,
            peer,
            state.config.trusted_proxy_hops,
        )))
    }
}

/// The client behind `hops` trusted proxies; see the module's documentation.
pub fn client_addr(headers: &HeaderMap, peer: IpAddr, hops: usize) -> IpAddr {
    if hops == 0 {
        return peer;
    }
    // Split bytes, not text: a client's non-ASCII bytes on the line the proxies append
    // to must not hide the entries they appended.
    let entries: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|line| line.as_bytes().split(|b| *b == b','))
        .collect();
    entries
        .len()
        .checked_sub(hops)
        .and_then(|i| parse_entry(entries[i]))
        .unwrap_or(peer)
}

/// An address as proxies write it: `192.0.2.1`, `2001:db8::1`, and the forms some add a
/// port to, `192.0.2.1:443` and `[2001:db8::1]:443`.
fn parse_entry(entry: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(entry).ok()?.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const PEER: &str = "10.0.0.9";

    fn client(lines: &[&str], hops: usize) -> String {
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        client_bytes(&lines, hops)
    }

    fn client_bytes(lines: &[&[u8]], hops: usize) -> String {
        let mut headers = HeaderMap::new();
        for l in lines {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_bytes(l).expect("a header value"),
            );
        }
        client_addr(&headers, PEER.parse().unwrap(), hops).to_string()
    }

    #[test]
    fn with_no_trusted_proxy_the_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(client(&["203.0.113.7"], 0), PEER);
        assert_eq!(client(&[], 0), PEER);
    }

    #[test]
    fn one_proxy_vouches_for_the_last_entry_only() {
        assert_eq!(client(&["203.0.113.7"], 1), "203.0.113.7");
        // The client sent its own header; the proxy appended the real address.
        assert_eq!(client(&["1.1.1.1, 2.2.2.2, 203.0.113.7"], 1), "203.0.113.7");
        // On a line of its own, as some proxies add it.
        assert_eq!(client(&["1.1.1.1", "203.0.113.7"], 1), "203.0.113.7");
    }

    #[test]
    fn two_proxies_vouch_for_the_second_entry_from_the_right() {
        // client -> CDN (appends the client) -> nginx (appends the CDN) -> us
        assert_eq!(client(&["203.0.113.7, 198.51.100.2"], 2), "203.0.113.7");
        assert_eq!(
            client(&["6.6.6.6, 7.7.7.7", "203.0.113.7, 198.51.100.2"], 2),
            "203.0.113.7"
        );
    }

    #[test]
    fn too_few_entries_count_as_the_peer_never_as_the_leftmost() {
        assert_eq!(client(&[], 1), PEER);
        assert_eq!(client(&["6.6.6.6"], 2), PEER);
    }

    #[test]
    fn garbage_left_of_the_trusted_entry_is_ignored_and_at_it_falls_back_to_the_peer() {
        assert_eq!(
            client_bytes(&[b"not-an-ip, \xff\xfe, , 203.0.113.7"], 1),
            "203.0.113.7"
        );
        assert_eq!(client(&["203.0.113.7, unknown"], 1), PEER);
        assert_eq!(client(&["203.0.113.7, "], 1), PEER);
    }

    #[test]
    fn ipv6_entries_with_or_without_ports_are_read() {
        assert_eq!(client(&["2001:db8::1"], 1), "2001:db8::1");
        assert_eq!(client(&["[2001:db8::1]:443"], 1), "2001:db8::1");
        assert_eq!(client(&["[2001:db8::2]"], 1), "2001:db8::2");
        assert_eq!(client(&["192.0.2.1:8443"], 1), "192.0.2.1");
        assert_eq!(
            client(&["2001:db8::1, ::ffff:192.0.2.5"], 1),
            "::ffff:192.0.2.5"
        );
    }
}
