package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxConfigBytes bounds a config file: a few hundred bytes in practice.
const maxConfigBytes = 1 << 20

// readConfigFile reads a JSON (.json) or YAML (.yaml, .yml) object whose
// keys are the flags' names, and returns each value as the text a flag would
// take. A list becomes comma-separated text, so that rotated keys can be
// written one per line.
func readConfigFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfigBytes)
	}
	var doc map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		err = dec.Decode(&doc)
		if err == nil {
			if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
				err = errors.New("trailing data after the object")
			}
		}
	case ".yaml", ".yml":
		err = yaml.Unmarshal(data, &doc)
	default:
		return nil, fmt.Errorf("%s: unknown extension %q: want .json, .yaml or .yml", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.name] = s.name != "config" // a config file naming another would be a chain to follow
	}
	out := make(map[string]string, len(doc))
	for k, v := range doc {
		if !known[k] {
			// A misspelt key would otherwise leave its setting silently at
			// the default.
			return nil, fmt.Errorf("%s: unknown key %q", path, k)
		}
		s, err := configText(v)
		if err != nil {
			return nil, fmt.Errorf("%s: key %q: %w", path, k, err)
		}
		out[k] = s
	}
	return out, nil
}

// configText turns a decoded value into flag text.
func configText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case json.Number:
		return v.String(), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			if _, nested := e.([]any); nested {
				return "", errors.New("a list inside a list")
			}
			s, err := configText(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case nil:
		return "", errors.New("no value")
	}
	return "", fmt.Errorf("a %T, want text, a number, true/false or a list", v)
}
