# The local cluster's certificates and kubeconfigs (sourced by tests/support/cluster/cluster).
# One CA signs the API server's serving certificate and every client certificate; a separate key pair signs
# ServiceAccount tokens. Identities follow what the components expect: system:masters for the administrator,
# system:kube-controller-manager, system:kube-scheduler, and system:node:NAME in system:nodes for the kubelet.

# issue_cert NAME SUBJECT [SAN]: NAME.key and NAME.crt in $pki, signed by the cluster CA.
issue_cert() {
  local name=$1 subject=$2 san=${3:-}
  openssl genrsa -out "$pki/$name.key" 2048 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  local ext="$pki/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$ext"
}

# write_kubeconfig FILE CERT_NAME: a kubeconfig for the API server with the client certificate CERT_NAME.
write_kubeconfig() {
  local file=$1 cert=$2
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://$api_host:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: $cert
  user:
    client-certificate: $pki/$cert.crt
    client-key: $pki/$cert.key
contexts:
- name: local
  context: {cluster: local, user: $cert}
current-context: local
EOF
}

make_pki() {
  mkdir -p "$pki"
  openssl genrsa -out "$pki/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=pgrevise-test-cluster-ca" -days 30 -sha256 \
    -out "$pki/ca.crt" 2>/dev/null
  local san="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  san+=",DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:::1,IP:$api_host,IP:$service_ip"
  issue_cert apiserver "/CN=kube-apiserver" "$san"
  issue_cert admin "/O=system:masters/CN=pgrevise-test-admin"
  issue_cert controller-manager "/CN=system:kube-controller-manager"
  issue_cert scheduler "/CN=system:kube-scheduler"
  issue_cert kubelet "/O=system:nodes/CN=system:node:$node_name"
  issue_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  write_kubeconfig "$dir/admin.kubeconfig" admin
  write_kubeconfig "$dir/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$dir/scheduler.kubeconfig" scheduler
  write_kubeconfig "$dir/kubelet.kubeconfig" kubelet
}
