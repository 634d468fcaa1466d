#!/usr/bin/env bash
# Makes the TLS material for compose/hstreamdb-tls.yaml with openssl (run it once before `up`):
#
#   compose/gen-certs.sh [OUT_DIR]          # default OUT_DIR: compose/certs
#
#   ca.crt, ca.key          a throwaway CA; rulemq and the hstream CLI trust ca.crt
#   hstream.crt, hstream.key  the certificate both HStreamDB nodes serve. Its subject alternative
#                           names cover every address a client dials: the compose service names
#                           hserver0 and hserver1 (the rulemq url), the nodes' advertised IP
#                           addresses (what LookupResource hands out), localhost and 127.0.0.1.
#
# Environment: HSTREAM_SUBNET_PREFIX (default 172.29.70, as in hstreamdb-tls.yaml: the nodes are
# <prefix>.10 and <prefix>.11), CERT_DAYS (default 825), FORCE=1 to replace existing files.
# For local testing only: keep ca.key out of production.
set -euo pipefail

out="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/certs}"
prefix="${HSTREAM_SUBNET_PREFIX:-172.29.70}"
days="${CERT_DAYS:-825}"

if ! command -v openssl >/dev/null 2>&1; then
  echo "gen-certs.sh: openssl not found; install it (e.g. apt-get install openssl)" >&2
  exit 1
fi
if [[ ! "$prefix" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
  echo "gen-certs.sh: HSTREAM_SUBNET_PREFIX must be the first three octets, like 172.29.70 (got '$prefix')" >&2
  exit 1
fi
mkdir -p "$out"
if [[ -f "$out/hstream.crt" && "${FORCE:-}" != "1" ]]; then
  echo "gen-certs.sh: $out/hstream.crt exists; set FORCE=1 to make new certificates" >&2
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat >"$work/ca.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = rulemq compose CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF

cat >"$work/server.ext" <<EOF
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:hserver0, DNS:hserver1, DNS:localhost, IP:127.0.0.1, IP:${prefix}.10, IP:${prefix}.11
EOF

# Private keys are readable by their owner only (the HStreamDB containers run as root).
umask 077
openssl req -x509 -new -newkey rsa:2048 -sha256 -nodes -days "$days" \
  -config "$work/ca.cnf" -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
openssl req -new -newkey rsa:2048 -sha256 -nodes -subj "/CN=hstream" \
  -keyout "$out/hstream.key" -out "$work/hstream.csr" 2>/dev/null
openssl x509 -req -sha256 -days "$days" -in "$work/hstream.csr" \
  -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -CAserial "$work/ca.srl" \
  -extfile "$work/server.ext" -out "$out/hstream.crt" 2>/dev/null
# Certificates are public: rulemq runs as a non-root user and reads ca.crt.
chmod 644 "$out/ca.crt" "$out/hstream.crt"
chmod 755 "$out"

openssl verify -CAfile "$out/ca.crt" "$out/hstream.crt" >/dev/null
echo "gen-certs.sh: wrote $out/{ca.crt,ca.key,hstream.crt,hstream.key}"
openssl x509 -in "$out/hstream.crt" -noout -ext subjectAltName 2>/dev/null \
  || openssl x509 -in "$out/hstream.crt" -noout -text | grep -A1 'Subject Alternative Name'
