package htmlrewrite

// corpus returns small documents covering the tokenizer states and every
// kind of removal.
func corpus() []string {
	return append(append([]string(nil), fuzzSeeds...), pageHead+pageTail)
}
