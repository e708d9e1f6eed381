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
//   - every attribute that makes the browser fetch, from one table per
//     element (fetch.go): src and srcset of img (and <image>, which the
//     tree builder makes an img), embed, source, track, frame and input
//     type=image; iframe src with its content and end tag; object data
//     with its content up to the matching </object>; video and audio src
//     and poster (the attribute only); link href and imagesrcset for every
//     fetching rel (a token list, decoded); background of body, table, td
//     and th (the attribute); ping of a and area (the attribute); SVG
//     href/xlink:href of image, feImage, use and script (the attribute);
//     a <base href> on a tracker (and relative URLs after a kept <base>
//     resolve against it); <meta http-equiv=refresh> to a tracker; the lazy
//     loaders' data-src, data-srcset, data-lazy-src, data-bg, ... as the
//     URL of their element;
//   - event handler attributes (on...) and javascript: URLs whose script
//     names a tracker, read as inline scripts are; an SVG <script> whose
//     text does (its output held as a frame, up to MaxHoldBytes, until its
//     end tag);
//   - importmap and speculationrules scripts naming a tracker;
//   - in CSS (<style> text, held like an inline script, and style
//     attributes) the declaration or @import rule whose url(), image-set()
//     or @import names a tracker (css.go);
//   - data: URLs of frames, objects, embeds, scripts and stylesheets whose
//     decoded content names a tracker (dataurl.go); an iframe srcdoc is
//     rewritten as markup by a nested Rewriter;
//   - with Options.Beacons, undeclared beacons: an <img>, <iframe>,
//     <frame> or <source> whose URL is on a third-party host no tracker
//     declares (unless Options.BeaconAllowed), sized at most 1×1 by its
//     attributes ("1", "1.0", "&#49;") or its inline CSS, or hidden
//     (hidden, display:none, visibility:hidden, opacity:0, off-screen
//     offsets) (beacon.go);
//   - a <noscript> that a removal leaves holding only whitespace and
//     comments goes with it.
//
// Tags whose name has no row in the table and no attribute that matters
// (ping, on..., style, background, a lazy loader's) cost nothing beyond
// finding their end: the fast path reads attribute names only.
//
// In Defer mode, scripts, images, iframes, embeds, objects and sources are
// kept but made inert (see Defer); link hints and ping attributes are
// removed as in Strip mode. Granted trackers pass byte for byte.
//
// Attribute values are read as the browser reads them before matching:
// character references decoded as the tokenizer decodes them (every named
// reference, tested against golang.org/x/net/html), lists split after
// decoding, and URLs normalised as the WHATWG URL parser does (urlnorm.go:
// tabs and newlines, backslashes, percent-decoded and IDNA-mapped host,
// trailing dots, dot segments). Inline script text is read as JavaScript
// strings (\xHH, \uHHHH, \u{...}, \/, percent escapes) in a scratch buffer
// when it holds an escape (jsdecode.go). Removals apply in HTML content,
// including inside <template> (its content runs once it is cloned); in
// SVG/MathML only the fetching href attributes and event handlers are
// looked at (an <img> or <embed> there breaks out to HTML and is handled).
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
// script's text or an attribute value, but for the edits above (a style
// or srcdoc attribute rewritten, an attribute removed, CSS cut).
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
