{{/* The name of every object: the release's, with the chart's name unless it has it already. */}}
{{- define "pullkey.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pullkey.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pullkey.labels" -}}
{{ include "pullkey.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pullkey.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The Secret the pods mount at /config: the chart's own, or the operator's. */}}
{{- define "pullkey.secretName" -}}
{{- .Values.config.existingSecret.name | default (include "pullkey.fullname" .) -}}
{{- end -}}

{{/*
The init container's arguments: exactly `pullkey install ...` or `pullkey uninstall ...`. The
image's entry runs them in the stage folder on the host, where the executable is `pullkey` and
the Secret's files are under `config/`.
*/}}
{{- define "pullkey.args" -}}
{{- $v := .Values -}}
{{- if eq $v.mode "uninstall" -}}
- uninstall
{{- if $v.install.restart }}
- --restart
{{- end }}
{{- else if eq $v.mode "install" -}}
{{- $existing := $v.config.existingSecret -}}
{{- $format := "" -}}
{{- $files := list -}}
{{- if $existing.name -}}
{{- $format = $existing.format -}}
{{- $files = $existing.secretFiles -}}
{{- if not (has $format (list "pullkey" "docker")) -}}
{{- fail (printf "config.existingSecret.format is %q: pullkey (key config.yaml) or docker (key docker-config.json)" $format) -}}
{{- end -}}
{{- else -}}
{{- if and $v.config.pullkeyConfig $v.config.dockerConfig -}}
{{- fail "config: set pullkeyConfig or dockerConfig, not both" -}}
{{- end -}}
{{- $format = ternary "pullkey" "docker" (not (empty $v.config.pullkeyConfig)) -}}
{{- if and (eq $format "docker") (not $v.config.dockerConfig) -}}
{{- fail "config: install mode needs config.pullkeyConfig, config.dockerConfig or config.existingSecret.name" -}}
{{- end -}}
{{- $files = keys $v.config.secretFiles | sortAlpha -}}
{{- end -}}
- install
- --executable=pullkey
{{- if eq $format "pullkey" }}
- --pullkey-config=config/config.yaml
{{- else }}
- --docker-config=config/docker-config.json
{{- range $v.config.registries }}
- --registry={{ . }}
{{- end }}
{{- end }}
{{- range $files }}
{{- if has . (list "config.yaml" "docker-config.json") }}
{{- fail (printf "config: a secret file may not be called %s (the config's own key)" .) }}
{{- end }}
- --secret-file=config/{{ . }}
{{- end }}
{{- if $v.install.restart }}
- --restart
{{- end }}
{{- range $v.install.extraArgs }}
- {{ . }}
{{- end }}
{{- else -}}
{{- fail (printf "mode is %q: install or uninstall" $v.mode) -}}
{{- end -}}
{{- end -}}
