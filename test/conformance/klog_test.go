package conformance

import (
	"flag"
	"fmt"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

// logCapture records what the kubelet logs through klog: each error-level
// entry as plain text (to find pullkey's stderr line in it without klog's
// quoting) and a rendering of every entry for failure messages.
type logCapture struct {
	mu     sync.Mutex
	errors []string
	text   strings.Builder
}

// captureKlog routes klog into a logCapture, at the kubelet's most verbose
// plugin level (5 logs each exec), and returns it.
func captureKlog() *logCapture {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	if err := fs.Set("v", "5"); err != nil {
		panic(err)
	}
	c := &logCapture{}
	klog.SetLogger(logr.New(&captureSink{capture: c}))
	return c
}

func (c *logCapture) reset() {
	c.take()
}

// take returns and clears what was logged since the last take.
func (c *logCapture) take() ([]string, string) {
	klog.Flush()
	c.mu.Lock()
	defer c.mu.Unlock()
	errs, text := c.errors, c.text.String()
	c.errors = nil
	c.text.Reset()
	if errs == nil {
		errs = []string{}
	}
	return errs, text
}

func (c *logCapture) add(isError bool, err error, msg string, kv []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	severity := "I"
	if isError {
		severity = "E"
		// Structured calls (klog.ErrorS, v1.37) carry the error value; printf
		// calls (klog.Errorf, v1.34) carry it inside the message.
		entry := msg
		if err != nil {
			entry += ": " + err.Error()
		}
		c.errors = append(c.errors, entry)
	}
	fmt.Fprintf(&c.text, "%s %s", severity, msg)
	if err != nil {
		fmt.Fprintf(&c.text, " err=%q", err.Error())
	}
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&c.text, " %v=%q", kv[i], fmt.Sprint(kv[i+1]))
	}
	c.text.WriteString("\n")
}

type captureSink struct {
	capture *logCapture
	values  []any
}

func (s *captureSink) Init(logr.RuntimeInfo) {}

// Enabled is always true: klog has already applied its -v threshold.
func (s *captureSink) Enabled(int) bool { return true }

func (s *captureSink) Info(_ int, msg string, kv ...any) {
	s.capture.add(false, nil, msg, append(append([]any{}, s.values...), kv...))
}

func (s *captureSink) Error(err error, msg string, kv ...any) {
	s.capture.add(true, err, msg, append(append([]any{}, s.values...), kv...))
}

func (s *captureSink) WithValues(kv ...any) logr.LogSink {
	return &captureSink{capture: s.capture, values: append(append([]any{}, s.values...), kv...)}
}

func (s *captureSink) WithName(string) logr.LogSink { return s }
