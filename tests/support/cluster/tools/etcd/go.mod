// etcd for the real-cluster tests, in a module of its own: its server module pulls other versions of the libraries
// the Kubernetes module uses. Test tooling only; nothing of it ships.
module pgrevise.dev/tools/etcd

go 1.25

require go.etcd.io/etcd/server/v3 v3.6.16
