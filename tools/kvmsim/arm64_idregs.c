// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim arm64-idregs: replay the steal_time selftest's ioctl sequence on the arm64 ID
 * register model, on the kernel before and after "KVM: arm64: Finalize ID registers only
 * once per VM" (or one chosen kvm_finalize_sys_regs() variant).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kvmsim/arm64_sys_regs.h"
#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/parse.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: kvmsim arm64-idregs [OPTIONS]\n"
	    "\n"
	    "Replays tools/testing/selftests/kvm/steal_time.c on arm64 (NR_VCPUS vCPUs, no\n"
	    "in-kernel irqchip, each vCPU's first KVM_RUN after the previous vCPU has run) on\n"
	    "the ID register model, and reports whether kvm_set_vm_id_reg()'s KVM_BUG_ON fired.\n"
	    "\n"
	    "  --variant V   kvm_finalize_sys_regs(): before (= 50e7cce, the bug), after\n"
	    "                (= fixed, 0f559cd91e37), 5cb57a1, gicv5; default: both before and "
	    "after\n"
	    "  --vcpus N     number of vCPUs (default 4, the selftest's NR_VCPUS; 1..%d)\n"
	    "  --runs N      KVM_RUNs per vCPU (default 3, as the selftest)\n"
	    "  --irqchip I   userspace (default, as the selftest) or vgic-v3\n"
	    "  --host CPU    a53, a55 or a72 (default a72): the sanitised host ID values\n"
	    "  --steps       list every ioctl in the text output\n"
	    "  --json        JSON output\n"
	    "  --help        this text\n",
	    ARM64_KVM_MAX_VCPUS);
}

static const char *errno_name(int rc)
{
	switch (-rc) {
	case 0:
		return "0";
	case EIO:
		return "EIO";
	case EBUSY:
		return "EBUSY";
	case EPERM:
		return "EPERM";
	case ENOEXEC:
		return "ENOEXEC";
	case EINVAL:
		return "EINVAL";
	case EEXIST:
		return "EEXIST";
	case ENODEV:
		return "ENODEV";
	default:
		return "E?";
	}
}

static void print_text(const struct arm64_steal_time_cfg *cfg,
		       const struct arm64_steal_time_result *r, bool steps)
{
	printf("variant %-8s %s", kvm_arm64_finalize_variant_name(cfg->variant),
	       r->passed ? "PASS" : "FAIL");
	if (!r->passed)
		printf(": %s on vCPU %d returned -%s", r->steps[r->failed_step].ioctl,
		       r->failed_vcpu, errno_name(r->failed_rc));
	printf("\n");
	printf("  vm_bugged %d  vm_dead %d  warnings %u  HAS_RAN_ONCE %d  finalize calls %u  "
	       "GIC-clearing writes %u\n",
	       r->vm_bugged, r->vm_dead, r->warn_count, r->has_ran_once, r->finalize_calls,
	       r->gic_clear_writes);
	printf("  ID_AA64PFR0_EL1 0x%016" PRIx64 " (host 0x%016" PRIx64 ", GIC %" PRIu64 ")\n",
	       r->id_aa64pfr0_el1, r->host_id_aa64pfr0_el1,
	       (u64)((r->id_aa64pfr0_el1 & ID_AA64PFR0_EL1_GIC) >> ID_AA64PFR0_EL1_GIC_SHIFT));
	printf("  ID_PFR1_EL1     0x%016" PRIx64 " (host 0x%016" PRIx64 ", GIC %" PRIu64 ")\n",
	       r->id_pfr1_el1, r->host_id_pfr1_el1,
	       (u64)((r->id_pfr1_el1 & ID_PFR1_EL1_GIC) >> ID_PFR1_EL1_GIC_SHIFT));
	for (unsigned int i = 0; i < r->log_nr; i++)
		printf("  log: %s\n", r->log[i].msg);
	if (steps)
		for (unsigned int i = 0; i < r->nr_steps; i++)
			printf("  %3u %-32s vcpu %2d  rc %s%s\n", i, r->steps[i].ioctl,
			       r->steps[i].vcpu, r->steps[i].rc ? "-" : "",
			       errno_name(r->steps[i].rc));
}

static void hex(struct json *j, const char *key, u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
	json_str(j, key, buf);
}

static void print_json(struct json *j, const struct arm64_steal_time_cfg *cfg,
		       const struct arm64_steal_time_result *r)
{
	json_obj_begin(j, NULL);
	json_str(j, "variant", kvm_arm64_finalize_variant_name(cfg->variant));
	json_bool(j, "passed", r->passed);
	if (r->passed) {
		json_null(j, "failed");
	} else {
		json_obj_begin(j, "failed");
		json_u64(j, "step", r->failed_step);
		json_str(j, "ioctl", r->steps[r->failed_step].ioctl);
		json_s64(j, "vcpu", r->failed_vcpu);
		json_s64(j, "rc", r->failed_rc);
		json_str(j, "errno", errno_name(r->failed_rc));
		json_obj_end(j);
	}
	json_bool(j, "vm_bugged", r->vm_bugged);
	json_bool(j, "vm_dead", r->vm_dead);
	json_u64(j, "warnings", r->warn_count);
	json_bool(j, "has_ran_once", r->has_ran_once);
	json_u64(j, "finalize_calls", r->finalize_calls);
	json_u64(j, "gic_clear_writes", r->gic_clear_writes);
	hex(j, "id_aa64pfr0_el1", r->id_aa64pfr0_el1);
	hex(j, "id_pfr1_el1", r->id_pfr1_el1);
	json_u64(j, "id_aa64pfr0_el1_gic",
		 (r->id_aa64pfr0_el1 & ID_AA64PFR0_EL1_GIC) >> ID_AA64PFR0_EL1_GIC_SHIFT);
	json_u64(j, "id_pfr1_el1_gic", (r->id_pfr1_el1 & ID_PFR1_EL1_GIC) >> ID_PFR1_EL1_GIC_SHIFT);
	json_arr_begin(j, "log");
	for (unsigned int i = 0; i < r->log_nr; i++)
		json_str(j, NULL, r->log[i].msg);
	json_arr_end(j);
	json_arr_begin(j, "steps");
	for (unsigned int i = 0; i < r->nr_steps; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "ioctl", r->steps[i].ioctl);
		json_s64(j, "vcpu", r->steps[i].vcpu);
		json_s64(j, "rc", r->steps[i].rc);
		json_bool(j, "vm_dead_after", r->steps[i].vm_dead_after);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "kvmsim arm64-idregs: invalid value '%s' for %s\n", val, opt);
	return EXIT_USAGE;
}

static int cmd_arm64_idregs(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"variant", required_argument, NULL, 'v'},
	    {"vcpus", required_argument, NULL, 'n'},
	    {"runs", required_argument, NULL, 'r'},
	    {"irqchip", required_argument, NULL, 'i'},
	    {"host", required_argument, NULL, 'H'},
	    {"steps", no_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct arm64_steal_time_cfg cfg = {.nr_vcpus = 4, .runs_per_vcpu = 3};
	enum kvm_arm64_finalize_variant variants[2] = {KVM_ARM64_FINALIZE_50E7CCE,
						       KVM_ARM64_FINALIZE_FIXED};
	static struct arm64_steal_time_result res;
	int nr_variants = 2, c;
	bool json = false, steps = false;
	const char *host = "a72";
	u64 v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (kvm_arm64_finalize_variant_parse(optarg, &variants[0]))
				return bad("--variant", optarg);
			nr_variants = 1;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v < 1 || v > ARM64_KVM_MAX_VCPUS)
				return bad("--vcpus", optarg);
			cfg.nr_vcpus = (int)v;
			break;
		case 'r':
			if (parse_u64(optarg, &v) || v < 1 || v > 16)
				return bad("--runs", optarg);
			cfg.runs_per_vcpu = (int)v;
			break;
		case 'i':
			if (!strcmp(optarg, "userspace"))
				cfg.vgic_v3 = false;
			else if (!strcmp(optarg, "vgic-v3"))
				cfg.vgic_v3 = true;
			else
				return bad("--irqchip", optarg);
			break;
		case 'H':
			host = optarg;
			if (!arm64_host_cpu_lookup(host))
				return bad("--host", optarg);
			break;
		case 's':
			steps = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				fprintf(stderr,
					"kvmsim arm64-idregs: option '-%c' is unknown or needs "
					"a value\n",
					optopt);
			else
				fprintf(stderr, "kvmsim arm64-idregs: bad option '%s'\n",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvmsim arm64-idregs: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	cfg.host = arm64_host_cpu_lookup(host);
	if ((unsigned int)cfg.nr_vcpus * (3u + cfg.runs_per_vcpu) + 1 >
		ARM64_STEAL_TIME_MAX_STEPS &&
	    steps)
		fprintf(stderr, "kvmsim arm64-idregs: note: step list truncated at %d\n",
			ARM64_STEAL_TIME_MAX_STEPS);

	struct json j;

	if (json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "scenario", "steal_time");
		json_str(&j, "host", cfg.host->name);
		json_u64(&j, "vcpus", cfg.nr_vcpus);
		json_u64(&j, "runs_per_vcpu", cfg.runs_per_vcpu);
		json_str(&j, "irqchip", cfg.vgic_v3 ? "vgic-v3" : "userspace");
		json_arr_begin(&j, "results");
	} else {
		printf("steal_time on %s: %d vCPUs, %s irqchip, %d KVM_RUN per vCPU\n",
		       cfg.host->name, cfg.nr_vcpus, cfg.vgic_v3 ? "in-kernel vGICv3" : "userspace",
		       cfg.runs_per_vcpu);
	}
	for (int i = 0; i < nr_variants; i++) {
		cfg.variant = variants[i];
		if (arm64_steal_time_run(&cfg, &res)) {
			fprintf(stderr, "kvmsim arm64-idregs: scenario failed to set up\n");
			return EXIT_RUNTIME;
		}
		if (json)
			print_json(&j, &cfg, &res);
		else
			print_text(&cfg, &res, steps);
	}
	if (json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	}
	return 0;
}

KVMSIM_COMMAND(cmd_arm64_idregs_desc, .name = "arm64-idregs",
	       .summary = "arm64 ID registers: the steal_time KVM_BUG_ON, before/after the fix",
	       .run = cmd_arm64_idregs);
