package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Format is the syntax of a policy file.
type Format int

// The policy file formats.
const (
	// JSON is a JSON object with the fields of Policy.
	JSON Format = iota
	// YAML is the same document in YAML.
	YAML
)

// maxPolicyBytes bounds a policy file; real policies are a few tens of KB.
const maxPolicyBytes = 4 << 20

// LoadPolicy reads, parses and validates a policy file. The format follows
// the extension: ".json" is JSON, ".yaml" and ".yml" are YAML.
func LoadPolicy(path string) (*Policy, error) {
	var format Format
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = JSON
	case ".yaml", ".yml":
		format = YAML
	default:
		return nil, fmt.Errorf("policy %s: unknown extension: want .json, .yaml or .yml", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	p, err := ParsePolicy(data, format)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy parses and validates a policy document. Unknown fields are
// errors, so a misspelt key is not silently ignored.
func ParsePolicy(data []byte, format Format) (*Policy, error) {
	if len(data) > maxPolicyBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidPolicy, maxPolicyBytes)
	}
	var p Policy
	switch format {
	case JSON:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: trailing data after the policy object", ErrInvalidPolicy)
		}
	case YAML:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: empty document", ErrInvalidPolicy)
			}
			return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
		}
	default:
		return nil, fmt.Errorf("unknown policy format %d", format)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// EncodeYAML returns the policy as a YAML document that ParsePolicy reads
// back.
func (p *Policy) EncodeYAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
