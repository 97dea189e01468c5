/*
 * classify.c: the one place that decides what a CUDA error means to the ladder (STYLE.md:
 * a fallback ladder is small rung functions plus one classifier). Each case says why.
 */
#include "internal.h"

/* Errors after which the context is lost: every later call fails the same way, so there is
 * nothing to retry on (field failure F09). */
static bool sticky(cudaError_t e)
{
	switch (e) {
	case cudaErrorIllegalAddress:		/* 700: a kernel or copy touched bad memory */
	case cudaErrorLaunchTimeout:		/* 702 */
	case cudaErrorContextIsDestroyed:	/* 709 */
	case cudaErrorHardwareStackError:	/* 714 */
	case cudaErrorIllegalInstruction:	/* 715 */
	case cudaErrorMisalignedAddress:	/* 716 */
	case cudaErrorInvalidAddressSpace:	/* 717 */
	case cudaErrorInvalidPc:		/* 718 */
	case cudaErrorLaunchFailure:		/* 719 */
	case cudaErrorECCUncorrectable:		/* 214 */
	case cudaErrorDevicesUnavailable:	/* 46: what other devices answer after one is lost */
	case cudaErrorInitializationError:	/* 3: the runtime could not start */
	case cudaErrorCudartUnloading:		/* 4: the process is exiting */
		return true;
	default:
		return false;
	}
}

enum ferry__verdict ferry__classify(cudaError_t e, enum ferry__step step)
{
	if (sticky(e))
		return FERRY__STICKY;
	switch (step) {
	case FERRY__STEP_QUERY:
	case FERRY__STEP_SELF_TEST:
		/* A capability that cannot be asked about, or a self-test that cannot run, is
		 * a capability we do not use: staging needs neither. */
		return FERRY__NEXT;
	case FERRY__STEP_ENABLE:
	case FERRY__STEP_PEER:
		switch (e) {
		case cudaErrorPeerAccessUnsupported:	/* 217: no peer path between them (F04) */
		case cudaErrorTooManyPeers:		/* 711: 8 peer connections in use (F07) */
		case cudaErrorMapBufferObjectFailed:	/* 205: the peer mapping failed (F08) */
		case cudaErrorPeerAccessNotEnabled:	/* 705: access vanished (another library
							 * disabled it) */
		case cudaErrorMemoryAllocation:		/* 2: no resources for the mapping */
		case cudaErrorNotPermitted:		/* 800: refused by the platform */
		case cudaErrorNotSupported:		/* 801: no peer copy on this platform */
			return FERRY__NEXT;
		case cudaErrorInvalidValue:
			/* 1: memory the peer copy cannot address (stream-ordered or VMM pool
			 * memory, F10); staging reads it with plain copies. Enabling access
			 * never answers 1 for valid ordinals, which the copy checked. */
			return step == FERRY__STEP_PEER ? FERRY__NEXT : FERRY__FAIL;
		default:
			return FERRY__FAIL;
		}
	case FERRY__STEP_SAME:
		switch (e) {
		case cudaErrorMemoryAllocation:	/* 2: no resources for the copy: staging needs
						 * none on the device */
		case cudaErrorNotSupported:	/* 801 */
		case cudaErrorNotPermitted:	/* 800 */
			return FERRY__NEXT;
		default:
			return FERRY__FAIL;
		}
	case FERRY__STEP_PINNED_ALLOC:
		switch (e) {
		case cudaErrorMemoryAllocation:	/* 2: past the memlock or container budget (F12) */
		case cudaErrorNotPermitted:	/* 800: pinning not allowed here (F12) */
		case cudaErrorNotSupported:	/* 801: no pinned memory on this platform */
		case cudaErrorInvalidValue:	/* 1: one request too large to pin (F12) */
			return FERRY__NEXT;
		default:
			return FERRY__FAIL;
		}
	case FERRY__STEP_PINNED:
		switch (e) {
		case cudaErrorMemoryAllocation:		/* 2: no streams, events or DMA resources:
							 * pageable staging needs none */
		case cudaErrorNotPermitted:		/* 800 */
		case cudaErrorNotSupported:		/* 801 */
		case cudaErrorLaunchOutOfResources:	/* 701 */
		case cudaErrorHostMemoryNotRegistered:	/* 713: the slots lost their pinning */
			return FERRY__NEXT;
		default:
			return FERRY__FAIL;
		}
	case FERRY__STEP_LAST:
	case FERRY__STEP_CALLER:
	default:
		/* Nothing after it, or not ours to retry: the caller's own work failed. */
		return FERRY__FAIL;
	}
}
