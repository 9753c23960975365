package probes

import "time"

// KernelOr returns a kernel-timed sample when it is plausible: positive
// and no longer than the monotonic measurement around the same exchange
// (the kernel sees the answer before this thread does). Otherwise, for
// example after a wall-clock step, it returns the monotonic one.
func KernelOr(kernel, mono time.Duration) time.Duration {
	if kernel > 0 && kernel <= mono {
		return kernel
	}
	return mono
}
