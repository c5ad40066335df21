//! `ToSocketAddrs` and `lookup_host`: addresses, resolved off the workers.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Converts or resolves values to socket addresses, as `std::net::ToSocketAddrs` does, but
/// without blocking: a literal address is converted at once, a host name is resolved on the
/// runtime's blocking pool.
///
/// Implemented for the same types as tokio's (`SocketAddr`, `(IpAddr, u16)`, `&str` and
/// `String` of the form `"host:port"`, `(&str, u16)`, `&[SocketAddr]`, …). Sealed.
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::*;

    /// What an address converts to: ready addresses, or a name to look up.
    #[derive(Debug)]
    pub enum Resolved {
        /// Already addresses.
        Ready(Vec<SocketAddr>),
        /// A `host:port` (or `(host, port)`) to resolve.
        Lookup(String, Option<u16>),
    }

    /// The conversion behind [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Sealed {
        #[doc(hidden)]
        fn to_resolved(&self) -> Resolved;
    }
}

use sealed::Resolved;

/// Resolves `addr` to its socket addresses (looking names up on the blocking pool).
pub(crate) async fn resolve(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    match addr.to_resolved() {
        Resolved::Ready(addrs) => Ok(addrs),
        Resolved::Lookup(host, port) => {
            let name = match port {
                Some(_) => host.as_str(),
                None => host.rsplit_once(':').map_or("", |(name, _)| name),
            };
            if name.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("invalid socket address {host:?}: no host"),
                ));
            }
            crate::blocking::run(move || {
                use std::net::ToSocketAddrs as _;
                let addrs = match port {
                    Some(port) => (host.as_str(), port).to_socket_addrs()?,
                    None => host.as_str().to_socket_addrs()?,
                };
                Ok(addrs.collect())
            })
            .await
        }
    }
}

/// Runs `f` on each address in turn, returning the first success or the last error (or an
/// `InvalidInput` error if there was no address at all).
pub(crate) async fn each_addr<T, F, Fut>(
    addr: &(impl ToSocketAddrs + ?Sized),
    mut f: F,
) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr).await? {
        match f(addr).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

/// Resolves `host` (`"name:port"`, or anything [`ToSocketAddrs`]) to its addresses. Name
/// lookups run on the runtime's blocking pool, never on a worker.
///
/// # Errors
///
/// The resolver's error; `InvalidInput` for a string that is not `host:port`.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// for addr in runtime::net::lookup_host("localhost:8080").await? {
///     assert_eq!(addr.port(), 8080);
/// }
/// # Ok(())
/// # }
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(&host).await?.into_iter())
}

macro_rules! ready_addr {
    ($($t:ty => |$s:ident| $e:expr;)*) => {$(
        impl ToSocketAddrs for $t {}
        impl sealed::Sealed for $t {
            fn to_resolved(&self) -> Resolved {
                let $s = self;
                Resolved::Ready($e)
            }
        }
    )*};
}

ready_addr! {
    SocketAddr => |s| vec![*s];
    SocketAddrV4 => |s| vec![SocketAddr::V4(*s)];
    SocketAddrV6 => |s| vec![SocketAddr::V6(*s)];
    (IpAddr, u16) => |s| vec![SocketAddr::new(s.0, s.1)];
    (Ipv4Addr, u16) => |s| vec![SocketAddr::new(IpAddr::V4(s.0), s.1)];
    (Ipv6Addr, u16) => |s| vec![SocketAddr::new(IpAddr::V6(s.0), s.1)];
    [SocketAddr] => |s| s.to_vec();
    Vec<SocketAddr> => |s| s.clone();
}

impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {}
impl<const N: usize> sealed::Sealed for [SocketAddr; N] {
    fn to_resolved(&self) -> Resolved {
        Resolved::Ready(self.to_vec())
    }
}

impl ToSocketAddrs for str {}
impl sealed::Sealed for str {
    fn to_resolved(&self) -> Resolved {
        // A literal address needs no lookup.
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolved::Ready(vec![addr]),
            Err(_) => Resolved::Lookup(self.to_owned(), None),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::Sealed for String {
    fn to_resolved(&self) -> Resolved {
        self.as_str().to_resolved()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::Sealed for (&str, u16) {
    fn to_resolved(&self) -> Resolved {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Resolved::Ready(vec![SocketAddr::new(ip, self.1)]),
            Err(_) => Resolved::Lookup(self.0.to_owned(), Some(self.1)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::Sealed for (String, u16) {
    fn to_resolved(&self) -> Resolved {
        (self.0.as_str(), self.1).to_resolved()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {
    fn to_resolved(&self) -> Resolved {
        (**self).to_resolved()
    }
}
