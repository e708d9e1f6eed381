// Package htmlrewrite is ConsentGate's streaming HTML rewriter: it removes
// (or defers) the elements that would make the browser contact a tracker
// whose consent category the visitor has not granted, and injects the
// banner markup after the opening <body> tag (and, optionally, a script
// first in <head>), without building a tree and without re-serializing
// anything it keeps.
//
// # Use
//
// Build a Matcher once per policy with NewMatcher, then per response:
//
//	rw := pool.Get().(*htmlrewrite.Rewriter)
//	rw.Reset(w, matcher, htmlrewrite.Options{Granted: granted, Inject: banner, SiteHost: host, Beacons: true})
//	... rw.Write(chunk) ... rw.Flush() ...
//	err := rw.Close()
//	pool.Put(rw)
//
// Content types, headers and compression are the middleware's business;
// this package only sees the decoded HTML body.
//
// # What is removed
//
// A tracker matches by host (and subdomains) or by host+path prefix; see
// Tracker and Matcher. When its category bit is not set in
// Options.Granted:
//
//   - <script src> of a tracker (any case, quoted or unquoted, "//host",
//     "https:", type=module), with its content and end tag;
//   - an inline executable <script> whose text names a tracker host (see
//     Matcher.MatchText), with its end tag. Scripts whose type is not a
//     JavaScript MIME type or "module" (application/ld+json, importmap,
//     text/template, text/plain, ...) are not executed by browsers and pass
//     untouched;
//   - <img>, <embed>, <source> (src, and every srcset candidate) as the tag
//     alone; <iframe> (src) with its content and end tag; <object> (data)
//     with its content up to the matching </object>;
//   - <link rel=preconnect|dns-prefetch|preload|prefetch|modulepreload>
//     whose href is a tracker;
//   - a ping attribute of <a>/<area> naming a tracker (only the attribute);
//   - with Options.Beacons, undeclared beacons: a 1×1 / 0×0 or hidden
//     <img>/<iframe> whose src is on a third-party host no tracker declares
//     (unless Options.BeaconAllowed);
//   - a <noscript> that a removal leaves holding only whitespace and
//     comments goes with it.
//
// In Defer mode, scripts, images, iframes, embeds, objects and sources are
// kept but made inert (see Defer); link hints and ping attributes are
// removed as in Strip mode. Granted trackers pass byte for byte.
//
// Attribute values are entity-decoded (numeric references and the named
// ones that can spell URL syntax, such as &amp; &sol; &colon;) before
// matching. Removals apply in HTML content, including inside <template>
// (its content runs once it is cloned); not inside SVG/MathML, where these
// names are not HTML elements (an <img> or <embed> there breaks out to HTML
// and is handled).
//
// # Tokenization
//
// The tokenizer follows the HTML standard where it matters for finding
// tags: comments (with the abrupt "<!-->" forms, "--!>"), bogus comments
// ("<!x>", "<?x>", "</ x>"), doctype, CDATA sections only in SVG/MathML
// content (tracked with integration points and breakout tags), RAWTEXT
// (style, xmp, iframe, noembed, noframes) and RCDATA (title, textarea)
// up to their end tag matched case-insensitively, script data with its
// escaped and double-escaped states, plaintext, attribute values with '>'
// inside quotes, and end tags with attributes. <noscript> content is parsed
// as markup, as a browser with scripting disabled does, so that the pixels
// it holds are found. Nothing is removed or injected inside a comment, a
// script's text or an attribute value.
//
// # Streaming and memory
//
// Output is identical however the body is split into Write calls, and
// Flush calls change nothing in it. Kept bytes are written as soon as they
// are decided; only the element under decision is held:
//
//   - a tag until its '>', up to MaxTagBytes (64 KiB). A longer tag is
//     passed through unchanged from that point on: no removal decision is
//     taken on it (an overlong <body ...> still gets the injection after
//     it), and its name still drives the tokenizer (a long <script ...>
//     still starts script data);
//   - an inline executable script until its end tag, up to MaxScriptBytes
//     (256 KiB) including its start tag. A longer script is decided on its
//     first MaxScriptBytes: removed (the rest dropped as it streams) if a
//     tracker host occurs there, else passed through unchanged;
//   - the output of a <noscript> (to drop it if a removal leaves it empty)
//     and the content of a removed <object>, up to MaxHoldBytes (64 KiB).
//     Beyond it, or at Close, the held output is written as it is: the
//     <noscript> stays, and the removed object's content stays (its start
//     and end tags go).
//
// The content of a removed script or iframe is discarded as it streams;
// when its end tag never comes, the rest of the body is that element's
// text to a browser too, and is discarded. Everything else that is
// malformed or truncated passes through: Close writes an unterminated tag
// unchanged, and decides an unterminated inline script on the text it has
// (browsers run it).
//
// So the memory per in-flight response is bounded by the caps (at most
// 16 KiB output buffer + 256 KiB token + 64 KiB hold, whatever the body
// size), and on ordinary pages it stays at a few KiB beyond the 16 KiB
// output buffer. Reset keeps buffers up to 64 KiB for reuse.
package htmlrewrite
