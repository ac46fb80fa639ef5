// The Kubernetes components the real-cluster tests run: kube-apiserver, kube-controller-manager, kube-scheduler,
// kubectl and kubelet, all from one release. Test tooling only; nothing of it ships.
// build-tools copies this module to its cache and appends one replace line per staging module, generated from the
// release's own go.mod, before it builds.
module pgrevise.dev/tools/kubernetes

go 1.25

require k8s.io/kubernetes v1.35.4
