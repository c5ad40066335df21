//! Borrowed halves of a `UnixStream`: `UnixStream::split`.

use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::UnixStream;

crate::net::halves::borrowed_halves!(UnixStream, std::os::unix::net::SocketAddr);
