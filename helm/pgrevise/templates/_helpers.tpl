{{/* The release's full name, at most 63 characters (a DNS label); the release name alone when it already
contains the chart's name. */}}
{{- define "pgrevise.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pgrevise.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the operator's Pods; never change between upgrades. */}}
{{- define "pgrevise.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pgrevise.labels" -}}
helm.sh/chart: {{ include "pgrevise.chart" . }}
{{ include "pgrevise.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "pgrevise.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pgrevise.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "pgrevise.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Leader election is on whenever more than one replica runs. */}}
{{- define "pgrevise.leaderElect" -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end -}}
{{- end -}}

{{/*
The operator's permissions in the namespaces it watches: exactly the verbs its code uses (the list is
tests/helm/expected_rbac.json; a test compares the rendered roles with it).
- postgresmigrations: watched and read; status written (PUT) through the status subresource.
- postgresmigrations/finalizers update: the Jobs and the dry-run ConfigMap are owned by their resource with
  blockOwnerDeletion set, which clusters enforcing OwnerReferencesPermissionEnforcement allow only with it.
- jobs: the backup, migrate and plan Jobs it creates and watches; never deleted by the operator (finished Jobs
  go with job.ttlSecondsAfterFinished, done by the TTL controller, or with their resource by garbage collection).
- pods: listed by the job-name label, for the termination message (the Job report) of a Job's Pod.
- configmaps: migration sets are read; dry-run SQL is written to a ConfigMap the operator owns.
- secrets: get only, by name, for the database URL or password a resource references.
- events: the resource's events (events.k8s.io, and core for older clients and kubectl describe).
*/}}
{{- define "pgrevise.rules" -}}
- apiGroups: ["pgrevise.dev"]
  resources: ["postgresmigrations"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["pgrevise.dev"]
  resources: ["postgresmigrations/status"]
  verbs: ["update"]
- apiGroups: ["pgrevise.dev"]
  resources: ["postgresmigrations/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch", "list"]
{{- end -}}
