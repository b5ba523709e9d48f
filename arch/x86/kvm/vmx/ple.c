// SPDX-License-Identifier: GPL-2.0
/*
 * Pause-loop exiting (kvm-directed-yield.md B.5): VMX's per-vCPU PLE window
 * (arch/x86/kvm/vmx/vmx.c grow_ple_window / shrink_ple_window / handle_pause) and SVM's
 * pause filter (arch/x86/kvm/svm/svm.c grow_ple_window / shrink_ple_window /
 * pause_interception), both with the shared __grow_ple_window / __shrink_ple_window of
 * arch/x86/kvm/x86.h. A window of cycles (VMX) or PAUSE instructions (SVM) becomes
 * guest time through the TSC rate and the PAUSE latency of [kvm].
 */
#include "guest/internal.h"
#include "kvmsim/kvm_host.h"

/* x86.h __grow_ple_window() */
u64 __grow_ple_window(u64 val, u64 base, u64 modifier, u64 max)
{
	u64 ret = val;

	if (modifier < 1)
		return base;
	if (modifier < base)
		ret *= modifier;
	else
		ret += modifier;
	return min(ret, max);
}

/* x86.h __shrink_ple_window() */
u64 __shrink_ple_window(u64 val, u64 base, u64 modifier, u64 min)
{
	u64 ret = val;

	if (modifier < 1)
		return base;
	if (modifier < base)
		ret /= modifier;
	else
		ret -= modifier;
	return max(ret, min);
}

static bool svm(const struct kvm_vcpu *vcpu)
{
	return vcpu->kvm->params->s.pause_exit == KVM_PAUSE_SVM_FILTER;
}

/* kvm_pause_in_guest(): PLE off (ple_gap = 0 / pause_filter_count = 0) */
bool kvm_pause_in_guest(const struct kvm *kvm)
{
	const struct scn_kvm *k = &kvm->params->s;

	return k->pause_exit == KVM_PAUSE_SVM_FILTER ? !k->pause_filter_count : !k->ple_gap;
}

/*
 * The guest time a continuous PAUSE loop needs to fill the window: VMX counts TSC
 * cycles (ns = cycles * 10^6 / tsc_khz), SVM counts PAUSE instructions of pause_cycles.
 */
static void window_changed(struct kvm_vcpu *vcpu)
{
	const struct scn_kvm *k = &vcpu->kvm->params->s;
	u64 cycles = vcpu->ple_window;

	if (svm(vcpu))
		cycles *= k->pause_cycles;
	vcpu->ple_window_ns = cycles * 1000000ull / k->tsc_khz;
}

u64 kvm_ple_window_ns(const struct kvm_vcpu *vcpu)
{
	return vcpu->ple_window_ns;
}

void kvm_ple_vcpu_init(struct kvm_vcpu *vcpu)
{
	const struct scn_kvm *k = &vcpu->kvm->params->s;

	vcpu->ple_window = svm(vcpu) ? k->pause_filter_count : k->ple_window;
	window_changed(vcpu);
}

void grow_ple_window(struct kvm_vcpu *vcpu)
{
	const struct scn_kvm *k = &vcpu->kvm->params->s;

	if (svm(vcpu))
		vcpu->ple_window = __grow_ple_window(vcpu->ple_window, k->pause_filter_count,
						     k->pause_filter_count_grow,
						     k->pause_filter_count_max);
	else
		vcpu->ple_window = __grow_ple_window(vcpu->ple_window, k->ple_window,
						     k->ple_window_grow, k->ple_window_max);
	window_changed(vcpu);
}

void shrink_ple_window(struct kvm_vcpu *vcpu)
{
	const struct scn_kvm *k = &vcpu->kvm->params->s;

	if (svm(vcpu))
		vcpu->ple_window = __shrink_ple_window(vcpu->ple_window, k->pause_filter_count,
						       k->pause_filter_count_shrink,
						       k->pause_filter_count);
	else
		vcpu->ple_window = __shrink_ple_window(vcpu->ple_window, k->ple_window,
						       k->ple_window_shrink, k->ple_window);
	window_changed(vcpu);
}

/*
 * handle_pause() (VMX: PLE only fires at CPL 0, so yield_to_kernel_mode = true) and
 * pause_interception() (SVM: in_kernel = CPL == 0). The exit's own cost is charged by
 * the guest model; here the window grows and KVM looks for a vCPU to boost.
 */
void kvm_handle_pause(struct kvm_vcpu *vcpu, bool in_kernel)
{
	vcpu->c.ple_exits++;
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_PLE_EXIT, (s64)vcpu->ple_window, 0,
		  vcpu->kvm->host->sim->now);
	if (!kvm_pause_in_guest(vcpu->kvm))
		grow_ple_window(vcpu);
	kvm_vcpu_on_spin(vcpu, svm(vcpu) ? in_kernel : true);
}
