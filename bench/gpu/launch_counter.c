/*
 * Counts kernel launches of a process (LD_PRELOAD), for the decode roofline's "launches per step":
 * a CUPTI callback on the driver API's launch entry points, which every launch reaches (the
 * runtime's cudaLaunchKernel and cuBLAS's cuLaunchKernelEx alike). The total is written at exit to
 * $TROUPE_LAUNCH_COUNT_FILE. bench/run-gpu.sh runs a probe twice with different numbers of new
 * tokens; the difference over the extra steps is the launches of one decode step.
 * Built on the GPU node: cc -shared -fPIC launch_counter.c -I<cupti include> -L<dir> -lcupti
 */
#include <cupti.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long launches;

static void CUPTIAPI on_call(void *user, CUpti_CallbackDomain domain, CUpti_CallbackId id,
                             const void *data) {
    (void) user;
    const CUpti_CallbackData *d = (const CUpti_CallbackData *) data;
    if (domain != CUPTI_CB_DOMAIN_DRIVER_API || d->callbackSite != CUPTI_API_ENTER) {
        return;
    }
    switch (id) {
        case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel:
        case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz:
        case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx:
        case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz:
        case CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel:
        case CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel_ptsz:
            __atomic_add_fetch(&launches, 1, __ATOMIC_RELAXED);
            break;
        default:
            break;
    }
}

static void report(void) {
    const char *path = getenv("TROUPE_LAUNCH_COUNT_FILE");
    FILE *out = path ? fopen(path, "w") : stderr;
    if (out) {
        fprintf(out, "%llu\n", launches);
        if (path) fclose(out);
    }
}

__attribute__((constructor)) static void start(void) {
    CUpti_SubscriberHandle subscriber;
    if (cuptiSubscribe(&subscriber, (CUpti_CallbackFunc) on_call, NULL) != CUPTI_SUCCESS ||
        cuptiEnableDomain(1, subscriber, CUPTI_CB_DOMAIN_DRIVER_API) != CUPTI_SUCCESS) {
        fprintf(stderr, "launch_counter: CUPTI subscription failed\n");
        return;
    }
    atexit(report);
}
