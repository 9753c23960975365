#include "textflag.h"

// func madvise(addr, n uintptr, advice int32) int32
TEXT ·madvise(SB),NOSPLIT,$0-28
	MOVQ	addr+0(FP), DI
	MOVQ	n+8(FP), SI
	MOVL	advice+16(FP), DX
	MOVL	$28, AX // SYS_madvise
	SYSCALL
	MOVL	AX, ret+24(FP)
	RET
