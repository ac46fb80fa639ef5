// Helm 3 for the real-cluster tests, in a module of its own. Test tooling only; nothing of it ships.
module pgrevise.dev/tools/helm

go 1.25

require helm.sh/helm/v3 v3.21.4
