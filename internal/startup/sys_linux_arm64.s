#include "textflag.h"

// func madvise(addr, n uintptr, advice int32) int32
TEXT ·madvise(SB),NOSPLIT|NOFRAME,$0-28
	MOVD	addr+0(FP), R0
	MOVD	n+8(FP), R1
	MOVW	advice+16(FP), R2
	MOVD	$233, R8 // SYS_madvise
	SVC
	MOVW	R0, ret+24(FP)
	RET
