# The local cluster's node (sourced by tests/support/cluster/cluster): a containerd of its own with the CRI plugin
# and Debian's CNI plugins on a bridge the script creates, and a real kubelet on it.
#
# The machine has cgroup v1 only; kubelet 1.35 refuses it unless failCgroupV1 is false. No systemd: the cgroupfs
# driver on both sides. The Pods' network is a bridge with the node's address as its gateway; the API server and
# the test's PostgreSQL listen on that address, and one DNAT rule stands in for kube-proxy for the `kubernetes`
# Service, the only Service a Pod here talks to.

write_containerd_config() {
  mkdir -p "$dir/containerd" "$dir/cni"
  cat >"$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.grpc.v1.cri.tracing"]
[grpc]
  address = "$containerd_sock"
[ttrpc]
  address = "$containerd_sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  enable_selinux = false
  # The sandbox may not lower a process's OOM score below its own (the kubelet asks -998 for the pause
  # container): containerd raises what it is asked for to the current score instead of failing the Pod.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
EOF
  cat >"$dir/cni/10-pgrevise.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "pgrevise-test",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_subnet", "gateway": "$api_host"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$dir/cni-ipam"
      }
    },
    {"type": "loopback"}
  ]
}
EOF
}

write_kubelet_config() {
  cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
address: $api_host
port: $kubelet_port
readOnlyPort: 0
healthzPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $pki/apiserver.crt
tlsPrivateKeyFile: $pki/apiserver.key
podLogsDir: $dir/pod-logs
resolvConf: /etc/resolv.conf
staticPodPath: ""
maxPods: 60
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%"}
localStorageCapacityIsolation: false
containerLogMaxSize: 1Mi
syncFrequency: 10s
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 5s
EOF
}

# The bridge exists before the API server starts, so that the server can listen on the node's address.
make_bridge() {
  ip link add "$bridge" type bridge 2>/dev/null || true
  ip addr replace "$api_host/${pod_subnet#*/}" dev "$bridge"
  ip link set "$bridge" up
  # kube-proxy's work for the one Service Pods use: the `kubernetes` Service to the API server.
  iptables -t nat -A PREROUTING -d "$service_ip" -p tcp --dport 443 -j DNAT --to-destination "$api_host:$api_port" \
    -m comment --comment "$bridge"
  iptables -t nat -A OUTPUT -d "$service_ip" -p tcp --dport 443 -j DNAT --to-destination "$api_host:$api_port" \
    -m comment --comment "$bridge"
  # Docker's FORWARD policy drops what it does not know; Pods only talk to the node's own address, but allow the
  # bridge to itself for hairpin traffic.
  iptables -I FORWARD -i "$bridge" -o "$bridge" -j ACCEPT -m comment --comment "$bridge"
  # The API server listens on every address; only loopback and the bridge may reach it.
  iptables -I INPUT -p tcp --dport "$api_port" -j DROP -m comment --comment "$bridge"
  iptables -I INPUT -i lo -p tcp --dport "$api_port" -j ACCEPT -m comment --comment "$bridge"
  iptables -I INPUT -i "$bridge" -p tcp --dport "$api_port" -j ACCEPT -m comment --comment "$bridge"
  ip6tables -I INPUT ! -i lo -p tcp --dport "$api_port" -j DROP -m comment --comment "$bridge"
}

remove_bridge() {
  local rule command
  for command in "iptables -t nat" "iptables -t filter" "ip6tables -t filter"; do
    local rules
    rules=$($command -S 2>/dev/null | grep -- "--comment $bridge" | sed 's/^-A/-D/' || true)
    [ -n "$rules" ] || continue
    while read -r rule; do
      eval "$command $rule" 2>/dev/null || true
    done <<<"$rules"
  done
  ip link del "$bridge" 2>/dev/null || true
}

# The pause image, built from the pause.c that ships in the k8s.io/kubernetes module.
pause_tarball() {
  local out="$cache/pause-image.tar" src
  if [ ! -f "$out" ]; then
    src=$(ls -d "$(/usr/local/go/bin/go env GOMODCACHE)"/k8s.io/kubernetes@"$(cat "$tools_bin/.kubernetes-version")")
    local work
    work=$(mktemp -d)
    gcc -Os -static -DVERSION=pgrevise-test -o "$work/pause" "$src/build/pause/linux/pause.c"
    strip "$work/pause"
    tar -C "$work" -cf - pause | docker import -c 'ENTRYPOINT ["/pause"]' - "$pause_image" >/dev/null
    docker save "$pause_image" >"$out.part" && mv "$out.part" "$out"
    rm -rf "$work"
  fi
  echo "$out"
}

start_node() {
  write_containerd_config
  write_kubelet_config
  containerd --config "$dir/containerd/config.toml" >"$dir/logs/containerd.log" 2>&1 &
  echo $! >"$dir/pids/containerd"
  wait_for "containerd" 30 test -S "$containerd_sock"
  ctr -a "$containerd_sock" -n k8s.io images import "$(pause_tarball)" >/dev/null
  "$tools_bin/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$dir/kubelet.kubeconfig" \
    --container-runtime-endpoint "unix://$containerd_sock" --hostname-override "$node_name" \
    --node-ip "$api_host" --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet-pki" \
    --v=1 >"$dir/logs/kubelet.log" 2>&1 &
  echo $! >"$dir/pids/kubelet"
  wait_for "node $node_name Ready" 120 node_ready
  # The node lifecycle controller lifts the not-ready taint the kubelet registers the node with.
  wait_for "node $node_name schedulable" 60 node_untainted
}

node_ready() {
  [ "$(kctl get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# Every container the node's containerd runs, stopped, and what the kubelet mounted, unmounted.
stop_node() {
  stop_pid kubelet
  if [ -S "$containerd_sock" ]; then
    local id
    for id in $(ctr -a "$containerd_sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$containerd_sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(ctr -a "$containerd_sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$containerd_sock" -n k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_pid containerd
  pkill -f "containerd-shim-runc-v2 -namespace k8s.io -address $containerd_sock" 2>/dev/null || true
  unmount_under "$dir"
  # Network namespaces the CRI made for the Pods.
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
  local controller
  for controller in /sys/fs/cgroup/*/kubepods; do
    [ -d "$controller" ] && find "$controller" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  remove_bridge
}

node_untainted() {
  [ -z "$(kctl get node "$node_name" -o jsonpath='{.spec.taints}' 2>/dev/null)" ]
}

# Everything mounted under a folder (the kubelet's volumes, the CRI's shm and root file systems), deepest first.
# A lazy unmount of a parent can leave its children listed until the next pass, hence the passes.
unmount_under() {
  local pass mnt
  for pass in 1 2 3; do
    local mounts
    mounts=$(findmnt -rn -o TARGET | grep -F "$1/" | sort -r || true)
    [ -n "$mounts" ] || return 0
    while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done <<<"$mounts"
    sleep 0.5
  done
}
