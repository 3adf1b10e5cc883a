#!/bin/sh
# Run by the nginx image's entrypoint before nginx starts: a certificate for TLS_HOSTNAME
# (default localhost), made once and kept in /etc/nginx/certs. Replace it with a real one for
# anything but a trial.
set -eu
dir=/etc/nginx/certs
host="${TLS_HOSTNAME:-localhost}"
if [ ! -s "$dir/tls.crt" ] || [ ! -s "$dir/tls.key" ]; then
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  chmod 600 "$dir/tls.key"
  echo "self-signed-cert: made a certificate for $host in $dir"
fi
