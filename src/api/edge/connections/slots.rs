//! How many connections may be open: a cap for the whole server and a share for one
//! client address. A slot is taken when a connection is accepted and given back when the
//! connection's task ends, however it ends.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The open-connection counts the accept loop checks before serving a connection.
pub struct Slots {
    open: Arc<Semaphore>,
    per_client: Option<PerClient>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The server holds its most connections.
    Full,
    /// This client address holds its share.
    ClientFull,
}

/// One open connection's place; dropping it frees the place.
pub struct Slot {
    _open: OwnedSemaphorePermit,
    _client: Option<ClientSlot>,
}

struct PerClient {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

struct ClientSlot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    client: IpAddr,
}

impl Slots {
    /// `max_per_client: None` leaves clients unlimited but for the server's own cap.
    pub fn new(max: usize, max_per_client: Option<usize>) -> Self {
        Self {
            open: Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))),
            per_client: max_per_client.map(|max| PerClient {
                max,
                open: Arc::default(),
            }),
        }
    }

    /// A place for a connection from `peer`, or why there is none. Never waits.
    pub fn take(&self, peer: IpAddr) -> Result<Slot, Refused> {
        let open = self
            .open
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::Full)?;
        let client = match &self.per_client {
            Some(per_client) => Some(per_client.take(peer)?),
            None => None,
        };
        Ok(Slot {
            _open: open,
            _client: client,
        })
    }
}

impl PerClient {
    fn take(&self, peer: IpAddr) -> Result<ClientSlot, Refused> {
        let client = client_of(peer);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(client).or_insert(0);
        if *count >= self.max {
            return Err(Refused::ClientFull);
        }
        *count += 1;
        Ok(ClientSlot {
            open: self.open.clone(),
            client,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            // Only clients with open connections stay in the map, so it holds at most as
            // many entries as the server holds connections.
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// The address that counts as one client: an IPv4 address (also when it arrives mapped
/// into IPv6), or an IPv6 /64, since one subscriber is routinely given a whole /64 and
/// could otherwise take a slot from each of its addresses.
fn client_of(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn the_server_cap_refuses_past_its_size_and_frees_a_place_on_drop() {
        let slots = Slots::new(2, None);
        let a = slots.take(ip("10.0.0.1")).expect("first place");
        let _b = slots.take(ip("10.0.0.2")).expect("second place");
        assert_eq!(slots.take(ip("10.0.0.3")).err(), Some(Refused::Full));
        drop(a);
        assert!(slots.take(ip("10.0.0.3")).is_ok());
    }

    #[test]
    fn one_client_is_held_to_its_share_while_others_still_get_in() {
        let slots = Slots::new(10, Some(2));
        let first = slots.take(ip("192.0.2.7")).expect("a place");
        let _second = slots.take(ip("192.0.2.7")).expect("a place");
        assert_eq!(slots.take(ip("192.0.2.7")).err(), Some(Refused::ClientFull));
        assert!(slots.take(ip("192.0.2.8")).is_ok());
        drop(first);
        assert!(slots.take(ip("192.0.2.7")).is_ok());
    }

    #[test]
    fn a_refused_client_does_not_keep_a_place_of_the_server_cap() {
        let slots = Slots::new(3, Some(1));
        let _held = slots.take(ip("192.0.2.7")).expect("a place");
        for _ in 0..5 {
            assert_eq!(slots.take(ip("192.0.2.7")).err(), Some(Refused::ClientFull));
        }
        assert!(slots.take(ip("192.0.2.8")).is_ok());
        assert!(slots.take(ip("192.0.2.9")).is_ok());
    }

    #[test]
    fn the_addresses_of_one_ipv6_64_and_a_mapped_ipv4_count_as_one_client() {
        assert_eq!(
            client_of(ip("2001:db8:1:2::1")),
            client_of(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            client_of(ip("2001:db8:1:2::1")),
            client_of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(client_of(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }
}
