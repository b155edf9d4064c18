//! A minimal ssh-agent client (draft-miller-ssh-agent): list identities and
//! sign, over the agent's Unix socket.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::wire::{put_string, put_u32, Reader};
use crate::Error;

/// A connection to the agent's Unix socket, with read and write timeouts.
#[cfg(unix)]
fn connect(socket: &Path, timeout: Duration) -> std::io::Result<std::os::unix::net::UnixStream> {
    let stream = std::os::unix::net::UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// A connection to the agent's named pipe (Windows' OpenSSH agent:
/// `\\.\pipe\openssh-ssh-agent`), opened as a file; pipes opened this way
/// take no timeouts.
#[cfg(not(unix))]
fn connect(socket: &Path, _timeout: Duration) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).open(socket)
}

/// Reply: the request failed.
pub(crate) const SSH_AGENT_FAILURE: u8 = 5;
/// Request: list the keys.
pub(crate) const SSH_AGENTC_REQUEST_IDENTITIES: u8 = 11;
/// Reply: the list of keys.
pub(crate) const SSH_AGENT_IDENTITIES_ANSWER: u8 = 12;
/// Request: sign data with a key.
pub(crate) const SSH_AGENTC_SIGN_REQUEST: u8 = 13;
/// Reply: the signature.
pub(crate) const SSH_AGENT_SIGN_RESPONSE: u8 = 14;

/// Sign-request flag: sign with `rsa-sha2-512` (RFC 8332), not SHA-1.
pub(crate) const SSH_AGENT_RSA_SHA2_512: u32 = 4;

/// OpenSSH's agent refuses messages above 256 KiB; so do we.
const MAX_MESSAGE: usize = 256 * 1024;
/// Listing keys is instant for a healthy agent.
const LIST_TIMEOUT: Duration = Duration::from_secs(10);
/// Signing may wait for a confirmation dialog or a security-key touch.
const SIGN_TIMEOUT: Duration = Duration::from_secs(120);

/// One key the agent holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The public key blob, in SSH wire encoding.
    pub(crate) blob: Vec<u8>,
    /// The comment the key was added with.
    pub(crate) comment: String,
}

/// The request body (without the length frame) for the key list.
pub(crate) fn encode_request_identities() -> Vec<u8> {
    vec![SSH_AGENTC_REQUEST_IDENTITIES]
}

/// The request body for signing `data` with the key `key_blob` (`flags`:
/// [`SSH_AGENT_RSA_SHA2_512`] for RSA keys, 0 for the others, which have no
/// signature variants).
pub(crate) fn encode_sign_request(key_blob: &[u8], data: &[u8], flags: u32) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(1 + 4 + key_blob.len() + 4 + data.len() + 4);
    out.push(SSH_AGENTC_SIGN_REQUEST);
    put_string(&mut out, key_blob)?;
    put_string(&mut out, data)?;
    put_u32(&mut out, flags);
    Some(out)
}

/// Frames a message body with its `uint32` length.
pub(crate) fn frame(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(4 + body.len());
    put_string(&mut out, body)?;
    Some(out)
}

/// What an agent answered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// `SSH_AGENT_FAILURE`.
    Failure,
    /// `SSH_AGENT_IDENTITIES_ANSWER`.
    Identities(Vec<Identity>),
    /// `SSH_AGENT_SIGN_RESPONSE`: the signature blob (string algorithm,
    /// string signature[, FIDO flags and counter]).
    Signature(Vec<u8>),
}

/// Decodes a reply body (without the length frame).
pub(crate) fn decode_reply(body: &[u8]) -> Result<Reply, String> {
    let mut r = Reader::new(body);
    let kind = r.u8().ok_or("empty reply")?;
    let reply = match kind {
        SSH_AGENT_FAILURE => Reply::Failure,
        SSH_AGENT_IDENTITIES_ANSWER => {
            let count = r.u32().ok_or("truncated key count")?;
            // Each identity takes at least 8 bytes; do not trust the count
            // for the allocation.
            let mut ids = Vec::with_capacity(body.len() / 8);
            for _ in 0..count {
                let blob = r.string().ok_or("truncated key")?.to_vec();
                let comment = r.string().ok_or("truncated key comment")?;
                ids.push(Identity { blob, comment: String::from_utf8_lossy(comment).into_owned() });
            }
            Reply::Identities(ids)
        }
        SSH_AGENT_SIGN_RESPONSE => Reply::Signature(r.string().ok_or("truncated signature")?.to_vec()),
        other => return Err(format!("unexpected message type {other}")),
    };
    if !r.is_empty() {
        return Err("trailing bytes after the reply".to_owned());
    }
    Ok(reply)
}

/// A connection to one agent.
pub(crate) struct Agent {
    socket: PathBuf,
}

impl Agent {
    /// An agent at `socket` (nothing is connected yet).
    pub(crate) fn new(socket: &Path) -> Self {
        Self { socket: socket.to_path_buf() }
    }

    /// The socket path.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::AgentIo { socket: self.socket.clone(), source }
    }

    fn protocol_error(&self, reason: String) -> Error {
        Error::AgentProtocol { socket: self.socket.clone(), reason }
    }

    /// One request, one reply, on a fresh connection.
    fn round_trip(&self, body: &[u8], timeout: Duration) -> Result<Reply, Error> {
        let message = frame(body).ok_or_else(|| self.protocol_error("request too large".to_owned()))?;
        let mut stream = connect(&self.socket, timeout).map_err(|e| self.io_error(e))?;
        stream.write_all(&message).map_err(|e| self.io_error(e))?;
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).map_err(|e| self.io_error(e))?;
        let len = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
        if len > MAX_MESSAGE {
            return Err(self.protocol_error(format!("reply of {len} bytes")));
        }
        let mut reply = vec![0u8; len];
        stream.read_exact(&mut reply).map_err(|e| self.io_error(e))?;
        decode_reply(&reply).map_err(|e| self.protocol_error(e))
    }

    /// The keys the agent holds, in its order.
    pub(crate) fn identities(&self) -> Result<Vec<Identity>, Error> {
        match self.round_trip(&encode_request_identities(), LIST_TIMEOUT)? {
            Reply::Identities(ids) => Ok(ids),
            Reply::Failure => Err(Error::AgentRefused { what: "list keys", fingerprint: String::new() }),
            Reply::Signature(_) => Err(self.protocol_error("a signature instead of a key list".to_owned())),
        }
    }

    /// Asks the agent to sign `data` with `key_blob`; returns the signature
    /// blob.
    pub(crate) fn sign(&self, key_blob: &[u8], data: &[u8], flags: u32, fingerprint: &str) -> Result<Vec<u8>, Error> {
        let body = encode_sign_request(key_blob, data, flags)
            .ok_or_else(|| self.protocol_error("request too large".to_owned()))?;
        match self.round_trip(&body, SIGN_TIMEOUT)? {
            Reply::Signature(sig) => Ok(sig),
            Reply::Failure => Err(Error::AgentRefused { what: "sign", fingerprint: fingerprint.to_owned() }),
            Reply::Identities(_) => Err(self.protocol_error("a key list instead of a signature".to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_identities_is_one_byte_framed() {
        assert_eq!(frame(&encode_request_identities()).unwrap(), vec![0, 0, 0, 1, 11]);
    }

    #[test]
    fn sign_request_layout() {
        let body = encode_sign_request(b"KEY", b"data!", 0).unwrap();
        assert_eq!(body, [&[13u8][..], &[0, 0, 0, 3], b"KEY", &[0, 0, 0, 5], b"data!", &[0, 0, 0, 0],].concat());
        let framed = frame(&body).unwrap();
        assert_eq!(&framed[..4], &u32::try_from(body.len()).unwrap().to_be_bytes());
        assert_eq!(&framed[4..], &body[..]);
    }

    #[test]
    fn decodes_identities_answer() {
        let mut body = vec![12, 0, 0, 0, 2];
        for (blob, comment) in [(&b"k1"[..], &b"first"[..]), (b"key2", b"")] {
            put_string(&mut body, blob).unwrap();
            put_string(&mut body, comment).unwrap();
        }
        assert_eq!(
            decode_reply(&body).unwrap(),
            Reply::Identities(vec![
                Identity { blob: b"k1".to_vec(), comment: "first".to_owned() },
                Identity { blob: b"key2".to_vec(), comment: String::new() },
            ])
        );
    }

    #[test]
    fn decodes_sign_response_and_failure() {
        let mut body = vec![14];
        put_string(&mut body, b"sigblob").unwrap();
        assert_eq!(decode_reply(&body).unwrap(), Reply::Signature(b"sigblob".to_vec()));
        assert_eq!(decode_reply(&[5]).unwrap(), Reply::Failure);
    }

    #[test]
    fn rejects_malformed_replies() {
        assert!(decode_reply(&[]).is_err());
        assert!(decode_reply(&[99]).is_err());
        assert!(decode_reply(&[5, 0]).is_err(), "trailing bytes");
        assert!(decode_reply(&[12, 0, 0, 0, 1]).is_err(), "count larger than the keys sent");
        assert!(decode_reply(&[12, 0xff, 0xff, 0xff, 0xff]).is_err(), "huge count");
        assert!(decode_reply(&[14, 0, 0, 0, 9, 1]).is_err(), "truncated signature");
    }

    proptest::proptest! {
        /// What an agent answers (a forwarded agent is another machine's
        /// program): any identities answer or signature reads back as
        /// encoded, the same with a byte more is refused, and any bytes
        /// read or are refused, never a panic or an allocation the reply
        /// does not pay for.
        #[test]
        fn replies_read_back_and_any_bytes_are_safe(
            ids in proptest::collection::vec(
                (proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40), "\\PC{0,20}"),
                0..5,
            ),
            sig in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let mut body = vec![SSH_AGENT_IDENTITIES_ANSWER];
            crate::wire::put_u32(&mut body, u32::try_from(ids.len()).unwrap());
            for (blob, comment) in &ids {
                put_string(&mut body, blob).unwrap();
                put_string(&mut body, comment.as_bytes()).unwrap();
            }
            let expected: Vec<Identity> =
                ids.iter().map(|(blob, comment)| Identity { blob: blob.clone(), comment: comment.clone() }).collect();
            proptest::prop_assert_eq!(decode_reply(&body).unwrap(), Reply::Identities(expected));
            body.push(0);
            proptest::prop_assert!(decode_reply(&body).is_err());
            let mut body = vec![SSH_AGENT_SIGN_RESPONSE];
            put_string(&mut body, &sig).unwrap();
            proptest::prop_assert_eq!(decode_reply(&body).unwrap(), Reply::Signature(sig));
            let _ = decode_reply(&junk);
            for kind in [SSH_AGENT_IDENTITIES_ANSWER, SSH_AGENT_SIGN_RESPONSE] {
                let mut framed = vec![kind];
                framed.extend_from_slice(&junk);
                let _ = decode_reply(&framed);
            }
        }
    }

    #[test]
    fn missing_socket_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let agent = Agent::new(&dir.path().join("nope.sock"));
        assert!(matches!(agent.identities(), Err(Error::AgentIo { .. })));
    }

    #[test]
    #[cfg(unix)]
    fn talks_to_a_fake_agent() {
        use std::os::unix::net::UnixListener;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut len = [0u8; 4];
            conn.read_exact(&mut len).unwrap();
            let mut req = vec![0u8; u32::from_be_bytes(len) as usize];
            conn.read_exact(&mut req).unwrap();
            let mut body = vec![14];
            put_string(&mut body, b"sig").unwrap();
            conn.write_all(&frame(&body).unwrap()).unwrap();
            req
        });
        let sig = Agent::new(&path).sign(b"KEY", b"msg", 0, "SHA256:x").unwrap();
        assert_eq!(sig, b"sig");
        assert_eq!(server.join().unwrap(), encode_sign_request(b"KEY", b"msg", 0).unwrap());
    }
}
