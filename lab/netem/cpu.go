package netem

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// threadCPU accounts the CPU time of the forwarder's own threads.
type threadCPU struct {
	mu     sync.Mutex
	live   map[int]bool
	exited time.Duration
}

func (c *threadCPU) add(tid int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		c.live = map[int]bool{}
	}
	c.live[tid] = true
}

// exit is called by a thread just before it ends, to keep its CPU time.
func (c *threadCPU) exit(tid int) {
	d, _ := taskCPU(tid)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.live, tid)
	c.exited += d
}

func (c *threadCPU) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := c.exited
	for tid := range c.live {
		d, _ := taskCPU(tid)
		sum += d
	}
	return sum
}

// taskCPU returns the time thread tid of this process has spent on a CPU.
func taskCPU(tid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/schedstat", tid))
	if err != nil {
		return 0, fmt.Errorf("reading schedstat of thread %d: %w", tid, err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("reading schedstat of thread %d: empty", tid)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("reading schedstat of thread %d: %w", tid, err)
	}
	return time.Duration(ns), nil
}
