// Command render renders a Helm chart the way `helm template` does, for tests on machines without a helm
// binary: Go's text/template with the sprig functions, Helm's own functions (include, tpl, toYaml, fromYaml,
// toJson, fromJson, required, lookup), and the built-in objects .Values, .Release, .Chart, .Capabilities,
// .Files and .Template. Values are the chart's values.yaml merged with -f files and --set overrides, then
// validated against values.schema.json when the chart has one, as Helm does before rendering.
//
// Usage: render --chart DIR [--name NAME] [--namespace NS] [-f FILE]... [--set K=V]... [--include-crds]
//
//	[--notes] [--api-versions GROUP/VERSION]... [--values-out FILE]
//
// Writes the rendered objects as a multi-document YAML stream to stdout, each prefixed by `# Source:` like
// Helm. Exits 1 with a message on stderr when a template, a value or the schema check fails.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v2"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// files is .Files: every file of the chart by its path relative to the chart's root.
type files map[string][]byte

func (f files) Get(name string) string      { return string(f[name]) }
func (f files) GetBytes(name string) []byte { return f[name] }
func (f files) Has(name string) bool        { _, ok := f[name]; return ok }
func (f files) Lines(name string) []string {
	return strings.Split(strings.TrimRight(f.Get(name), "\n"), "\n")
}
func (f files) AsString(name string) string { return f.Get(name) }

// versionSet is .Capabilities.APIVersions.
type versionSet []string

func (v versionSet) Has(apiVersion string) bool {
	for _, known := range v {
		if known == apiVersion {
			return true
		}
	}
	return false
}

type kubeVersion struct {
	Version, Major, Minor string
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions versionSet
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "render: "+format+"\n", args...)
	os.Exit(1)
}

// normalize turns yaml.v2's map[interface{}]interface{} into map[string]interface{} and every number into
// float64, as Helm's values (read through JSON) are.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, item := range t {
			out[fmt.Sprint(k)] = normalize(item)
		}
		return out
	case map[string]interface{}:
		for k, item := range t {
			t[k] = normalize(item)
		}
		return t
	case []interface{}:
		for i, item := range t {
			t[i] = normalize(item)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return v
}

func readYAMLMap(data []byte, source string) map[string]interface{} {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		fail("%s: %v", source, err)
	}
	if raw == nil {
		return map[string]interface{}{}
	}
	m, ok := normalize(raw).(map[string]interface{})
	if !ok {
		fail("%s: the top level is not a mapping", source)
	}
	return m
}

// merge copies src over dst: mappings merge key by key, a null deletes the key, anything else replaces.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		srcMap, srcIsMap := v.(map[string]interface{})
		dstMap, dstIsMap := dst[k].(map[string]interface{})
		if srcIsMap && dstIsMap {
			merge(dstMap, srcMap)
			continue
		}
		dst[k] = v
	}
}

// typedValue follows `helm --set`: true/false, null, integers (int64), `{a,b}` lists, else a string.
func typedValue(s string) interface{} {
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		list := []interface{}{}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		if inner != "" {
			for _, item := range strings.Split(inner, ",") {
				list = append(list, typedValue(strings.TrimSpace(item)))
			}
		}
		return list
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && (s == "0" || !strings.HasPrefix(s, "0")) {
		return n
	}
	return s
}

// splitKey splits a --set key on dots not escaped by a backslash.
func splitKey(key string) []string {
	var parts []string
	var current strings.Builder
	for i := 0; i < len(key); i++ {
		switch {
		case key[i] == '\\' && i+1 < len(key) && key[i+1] == '.':
			current.WriteByte('.')
			i++
		case key[i] == '.':
			parts = append(parts, current.String())
			current.Reset()
		default:
			current.WriteByte(key[i])
		}
	}
	return append(parts, current.String())
}

func setValue(values map[string]interface{}, assignment string) {
	eq := strings.Index(assignment, "=")
	if eq <= 0 {
		fail("--set %q: expected KEY=VALUE", assignment)
	}
	path := splitKey(assignment[:eq])
	node := values
	for _, part := range path[:len(path)-1] {
		child, ok := node[part].(map[string]interface{})
		if !ok {
			child = map[string]interface{}{}
			node[part] = child
		}
		node = child
	}
	last := path[len(path)-1]
	if v := typedValue(assignment[eq+1:]); v == nil {
		delete(node, last)
	} else {
		node[last] = v
	}
}

func readChartFiles(chartDir string) files {
	all := files{}
	if resolved, err := filepath.EvalSymlinks(chartDir); err == nil {
		chartDir = resolved
	}
	err := filepath.Walk(chartDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, path)
		data, readErr := os.ReadFile(path)
		all[filepath.ToSlash(rel)] = data
		return readErr
	})
	if err != nil {
		fail("reading %s: %v", chartDir, err)
	}
	return all
}

// chartObject is .Chart, with Helm's capitalised field names.
func chartObject(chartYAML map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range chartYAML {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	if _, ok := out["AppVersion"]; !ok {
		out["AppVersion"] = ""
	}
	return out
}

type engine struct {
	root *template.Template
}

func (e *engine) include(name string, data interface{}) (string, error) {
	var buf bytes.Buffer
	if err := e.root.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func (e *engine) tpl(text string, data interface{}) (string, error) {
	clone, err := e.root.Clone()
	if err != nil {
		return "", err
	}
	t, err := clone.New("tpl").Parse(text)
	if err != nil {
		return "", fmt.Errorf("tpl: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("tpl: %w", err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(s string) map[string]interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	m, ok := normalize(raw).(map[string]interface{})
	if !ok {
		return map[string]interface{}{}
	}
	return m
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func required(message string, value interface{}) (interface{}, error) {
	if value == nil {
		return nil, fmt.Errorf("%s", message)
	}
	if s, ok := value.(string); ok && s == "" {
		return nil, fmt.Errorf("%s", message)
	}
	return value, nil
}

func (e *engine) funcs() template.FuncMap {
	fm := sprig.TxtFuncMap()
	delete(fm, "env")
	delete(fm, "expandenv")
	fm["include"] = e.include
	fm["tpl"] = e.tpl
	fm["toYaml"] = toYAML
	fm["fromYaml"] = fromYAML
	fm["toJson"] = toJSON
	fm["fromJson"] = fromJSON
	fm["required"] = required
	fm["lookup"] = func(apiVersion, kind, namespace, name string) map[string]interface{} {
		return map[string]interface{}{}
	}
	return fm
}

type options struct {
	chartDir, name, namespace, valuesOut string
	valueFiles, sets, apiVersions        multiFlag
	includeCRDs, notes                   bool
}

func parseOptions() options {
	var o options
	flag.StringVar(&o.chartDir, "chart", "", "chart directory")
	flag.StringVar(&o.name, "name", "release-name", "release name")
	flag.StringVar(&o.namespace, "namespace", "default", "release namespace")
	flag.StringVar(&o.valuesOut, "values-out", "", "write the merged values as JSON to this file")
	flag.Var(&o.valueFiles, "f", "values file (repeatable)")
	flag.Var(&o.sets, "set", "KEY=VALUE override (repeatable)")
	flag.Var(&o.apiVersions, "api-versions", "an API version the cluster serves (repeatable)")
	flag.BoolVar(&o.includeCRDs, "include-crds", false, "print the chart's crds/ first")
	flag.BoolVar(&o.notes, "notes", false, "print the rendered NOTES.txt after the objects")
	flag.Parse()
	if o.chartDir == "" {
		fail("--chart is required")
	}
	return o
}

func mergedValues(o options, all files) map[string]interface{} {
	values := readYAMLMap(all["values.yaml"], "values.yaml")
	for _, path := range o.valueFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			fail("%v", err)
		}
		merge(values, readYAMLMap(data, path))
	}
	for _, assignment := range o.sets {
		setValue(values, assignment)
	}
	if schema, ok := all["values.schema.json"]; ok {
		var parsed interface{}
		if err := json.Unmarshal(schema, &parsed); err != nil {
			fail("values.schema.json: %v", err)
		}
		if problems := validate(parsed, values, "values"); len(problems) > 0 {
			fail("values don't meet the specifications of the schema(s) in the following chart(s):\n%s",
				strings.Join(problems, "\n"))
		}
	}
	return values
}

// newEngine parses every file under templates/ into one template set, named like Helm's ("chart/templates/x").
func newEngine(chartName string, all files) (*engine, []string) {
	e := &engine{root: template.New(chartName)}
	e.root.Option("missingkey=zero")
	e.root.Funcs(e.funcs())
	var names []string
	for path, data := range all {
		if !strings.HasPrefix(path, "templates/") {
			continue
		}
		name := chartName + "/" + path
		if _, err := e.root.New(name).Parse(string(data)); err != nil {
			fail("%v", err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return e, names
}

func builtInObjects(o options, values, chart map[string]interface{}, all files) map[string]interface{} {
	release := map[string]interface{}{
		"Name": o.name, "Namespace": o.namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false,
		"Revision": 1,
	}
	served := versionSet{"v1", "apps/v1", "batch/v1", "policy/v1", "rbac.authorization.k8s.io/v1"}
	return map[string]interface{}{
		"Values":  values,
		"Release": release,
		"Chart":   chart,
		"Files":   all,
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{Version: "v1.28.0", Major: "1", Minor: "28"},
			APIVersions: append(served, o.apiVersions...),
		},
	}
}

// writeCRDs prints the chart's crds/ unrendered, as `helm template --include-crds` does.
func writeCRDs(out *strings.Builder, chartName string, all files) {
	var crds []string
	for path := range all {
		if strings.HasPrefix(path, "crds/") && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			crds = append(crds, path)
		}
	}
	sort.Strings(crds)
	for _, path := range crds {
		fmt.Fprintf(out, "---\n# Source: %s/%s\n%s\n", chartName, path, strings.TrimSpace(string(all[path])))
	}
}

// writeTemplates renders every template but the partials (_*) and returns the rendered NOTES.txt.
func writeTemplates(out *strings.Builder, e *engine, names []string, top map[string]any, basePath string) string {
	notes := ""
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		top["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
		rendered, err := e.include(name, top)
		if err != nil {
			fail("%v", err)
		}
		rendered = strings.TrimSpace(strings.ReplaceAll(rendered, "<no value>", ""))
		if base == "NOTES.txt" {
			notes = rendered
		} else if rendered != "" {
			fmt.Fprintf(out, "---\n# Source: %s\n%s\n", name, rendered)
		}
	}
	return notes
}

func main() {
	o := parseOptions()
	all := readChartFiles(o.chartDir)
	chart := chartObject(readYAMLMap(all["Chart.yaml"], "Chart.yaml"))
	chartName := fmt.Sprint(chart["Name"])
	values := mergedValues(o, all)
	if o.valuesOut != "" {
		data, _ := json.MarshalIndent(values, "", "  ")
		if err := os.WriteFile(o.valuesOut, data, 0o644); err != nil {
			fail("%v", err)
		}
	}
	e, names := newEngine(chartName, all)
	var out strings.Builder
	if o.includeCRDs {
		writeCRDs(&out, chartName, all)
	}
	notes := writeTemplates(&out, e, names, builtInObjects(o, values, chart, all), chartName+"/templates")
	if o.notes {
		fmt.Fprintf(&out, "\nNOTES:\n%s\n", notes)
	}
	fmt.Print(out.String())
}
