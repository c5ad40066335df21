//! Owned halves of a `UnixStream`: `UnixStream::into_split`.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::UnixStream;

crate::net::halves::owned_halves!(UnixStream, std::os::unix::net::SocketAddr);
