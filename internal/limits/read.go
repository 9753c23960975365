package limits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// chunk is how much ReadFile reads between two looks at its context.
const chunk = 256 << 10

// ReadFile reads the file at path, which must not be larger than the bound
// n. A regular file is refused from its size before it is read; anything
// else (a device, a pipe) is read until the bound is passed. The read ends
// with the context's error as soon as ctx is done: between chunks of a
// regular file, and at once for a pipe (its read is woken by a deadline).
// Errors wrap *TooLargeError, the context's error or the file system's.
func (l Limits) ReadFile(ctx context.Context, n Name, path string) ([]byte, error) {
	max := l.Max(n)
	if ctx.Err() != nil {
		return nil, stopped(ctx, path)
	}
	// O_NONBLOCK: opening a FIFO must not wait for a writer outside the
	// context's reach, and a pipe's reads go through Go's poller, where a
	// deadline wakes them. It changes nothing for regular files.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, &os.PathError{Op: "read", Path: path, Err: syscall.EISDIR}
	}
	hint := int64(0)
	if fi.Mode().IsRegular() {
		if fi.Size() > max {
			return nil, &TooLargeError{Path: path, Limit: n, Max: max, Size: fi.Size()}
		}
		hint = fi.Size()
	}
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	b, err := readAll(ctx, f, max, hint)
	if err != nil {
		if ctx.Err() != nil {
			return nil, stopped(ctx, path)
		}
		if errors.Is(err, errTooLarge) {
			return nil, &TooLargeError{Path: path, Limit: n, Max: max}
		}
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, nil
}

var errTooLarge = errors.New("too large")

// stopped is the error of a read ended by ctx: it wraps the context's
// error and, when it says more (the signal that stopped the command), its
// cause.
func stopped(ctx context.Context, path string) error {
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		return fmt.Errorf("reading %s: %w (%w)", path, ctx.Err(), cause)
	}
	return fmt.Errorf("reading %s: %w", path, ctx.Err())
}

// readAll reads r to its end in chunks, looking at ctx between them, and
// fails with errTooLarge one byte past max.
func readAll(ctx context.Context, r io.Reader, max, hint int64) ([]byte, error) {
	b := make([]byte, 0, min(hint, max)+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		want := min(cap(b)-len(b), chunk, int(max+1)-len(b))
		m, err := r.Read(b[len(b) : len(b)+want])
		b = b[:len(b)+m]
		if int64(len(b)) > max {
			return nil, errTooLarge
		}
		switch {
		case err == io.EOF:
			return b, nil
		case errors.Is(err, syscall.EAGAIN):
			// A non-blocking file the poller does not watch (rare): wait
			// a little, or for the context.
			t := time.NewTimer(10 * time.Millisecond)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		case err != nil:
			return nil, err
		}
	}
}

// CheckSize is for files a library opens itself (an SSH known_hosts
// file): it refuses anything but a regular file no larger than the bound
// n, from the file's size, without reading it.
func (l Limits) CheckSize(n Name, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if max := l.Max(n); fi.Size() > max {
		return &TooLargeError{Path: path, Limit: n, Max: max, Size: fi.Size()}
	}
	return nil
}
