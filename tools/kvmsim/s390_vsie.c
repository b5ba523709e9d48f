// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim s390-vsie: a guest-3 configuration run by guest-2 through guest-1's VSIE with
 * SIGP interpretation (the shadow SCA of the RFC v2 series): first entries, CPU hotplug,
 * the BSCA -> ESCA switch and the reuse of a vsie_sca, printing the shadow structures and
 * the counters after each phase.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/parse.h"
#include "kvmsim/s390_vsie.h"

#define SCA_A	 0x100000ull
#define SCA_ESCA 0x110000ull
#define SCA_X	 0x120000ull
#define SCA_Y	 0x130000ull
#define SCB_A	 0x200000ull
#define SCB_X	 0x220000ull
#define SCB_Y	 0x230000ull

struct opts {
	int cpus;
	int g2_vcpus;
	u64 sca_offset;
	unsigned int sca_max, scb_max;
	unsigned int defects;
	bool no_sigpif;
	bool all_entries;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: kvmsim s390-vsie [OPTIONS]\n"
	    "\n"
	    "Runs a guest-3 configuration through guest-1's VSIE with SIGP interpretation\n"
	    "(RFC v2 \"KVM: s390: Add VSIE SIGP Interpretation\"): entry, CPU add and remove,\n"
	    "the BSCA -> ESCA switch and vsie_sca reuse; prints the shadow SCA and counters.\n"
	    "\n"
	    "  --cpus N                  guest-3 CPUs at the start (default 4, 2..63)\n"
	    "  --g2-vcpus N              guest-2 vCPUs = online_vcpus (default 2, 1..%d)\n"
	    "  --sca-offset OFF          page offset of the BSCA (default 0xc00: it straddles a\n"
	    "                            page; 16-byte aligned, < 0x1000)\n"
	    "  --vsie-shadow-sca-max N   module parameter (default 1 here; the RFC posts 0, which\n"
	    "                            disables SCA shadowing)\n"
	    "  --vsie-shadow-scb-max N   module parameter (default 0)\n"
	    "  --variant V               fixed (default), rfc-v2 (the posted series: reuse-loop +\n"
	    "                            free-wrong), rfc-v2-p7 (patch 7 alone: + sca-count)\n"
	    "  --defects LIST            comma list of reuse-loop, sca-count, free-wrong, or none\n"
	    "  --no-vsie-sigpif          the machine lacks the facility (SCLP byte 134 bit 0x01)\n"
	    "  --entries                 print every shadow entry (default: up to 8 per phase)\n"
	    "  --json                    JSON output\n"
	    "  --help                    this text\n",
	    S390_G2_MAX_VCPUS);
}

static const char *const defect_names[] = {"reuse-loop", "sca-count", "free-wrong"};

static int parse_defects(const char *s, unsigned int *out)
{
	char buf[128], *tok, *save;
	unsigned int d = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (!strcmp(buf, "none")) {
		*out = 0;
		return 0;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(defect_names); i++)
			if (!strcmp(tok, defect_names[i]))
				break;
		if (i == ARRAY_SIZE(defect_names))
			return -EINVAL;
		d |= 1u << i;
	}
	*out = d;
	return 0;
}

static void defects_str(unsigned int d, char *buf, size_t n)
{
	buf[0] = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(defect_names); i++) {
		if (!(d & (1u << i)))
			continue;
		if (buf[0])
			strncat(buf, ",", n - strlen(buf) - 1);
		strncat(buf, defect_names[i], n - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, n, "none");
}

static void hexs(char *buf, size_t n, u64 v)
{
	snprintf(buf, n, "0x%" PRIx64, v);
}

struct ctx {
	const struct opts *o;
	struct s390_kvm *kvm;
	struct json j;
};

static int entry_check(struct s390_kvm *kvm, const struct s390_g3_config *cfg,
		       const struct ssca_block *ssca, int n)
{
	struct vsie_page *vp = s390_vsie_page_lookup(kvm, cfg->scb_gpa[n]);
	gpa_t eg = cfg->sca_gpa + (cfg->esca ? 256 + 64ull * n : 64 + 32ull * n);
	hpa_t eh;

	if (!vp || s390_gpa_to_hpa(kvm, eg, &eh))
		return 0;
	return ssca->cpu[n].ssda == s390_phys(kvm, &vp->scb_s) && ssca->cpu[n].ossea == eh;
}

static void print_stats(struct ctx *c)
{
	struct s390_kvm *kvm = c->kvm;

	if (c->o->json) {
		json_obj_begin(&c->j, "stats");
		json_u64(&c->j, "vsie_shadow_scb", kvm->stat.vsie_shadow_scb);
		json_u64(&c->j, "vsie_shadow_sca", kvm->stat.vsie_shadow_sca);
		json_u64(&c->j, "vsie_shadow_sca_create", kvm->stat.vsie_shadow_sca_create);
		json_u64(&c->j, "vsie_shadow_sca_reuse", kvm->stat.vsie_shadow_sca_reuse);
		json_u64(&c->j, "sca_count", kvm->arch.vsie.sca_count);
		json_u64(&c->j, "vsie_entries", kvm->model.vsie_entries);
		json_u64(&c->j, "init_ssca", kvm->model.init_ssca);
		json_u64(&c->j, "validity", kvm->model.validity);
		json_u64(&c->j, "last_validity_code", kvm->model.last_validity_code);
		json_u64(&c->j, "sigp_interpreted", kvm->model.sigp_interpreted);
		json_u64(&c->j, "sigp_intercepted", kvm->model.sigp_intercepted);
		json_u64(&c->j, "reuse_failed", kvm->model.reuse_failed);
		json_u64(&c->j, "warnings", kvm->model.warnings);
		json_u64(&c->j, "pinned_pages", s390_pinned_pages(kvm));
		json_u64(&c->j, "host_frames_in_use", s390_host_frames_in_use(kvm));
		json_obj_end(&c->j);
		return;
	}
	printf("  stats: vsie_shadow_scb %" PRIu64 "  vsie_shadow_sca %" PRIu64
	       "  vsie_shadow_sca_create %" PRIu64 "  vsie_shadow_sca_reuse %" PRIu64
	       "  (sca_count %d)\n",
	       kvm->stat.vsie_shadow_scb, kvm->stat.vsie_shadow_sca,
	       kvm->stat.vsie_shadow_sca_create, kvm->stat.vsie_shadow_sca_reuse,
	       kvm->arch.vsie.sca_count);
	printf("  model: entries %" PRIu64 "  init_ssca %" PRIu64 "  validity %" PRIu64
	       " (last 0x%04" PRIx64 ")  sigp interpreted %" PRIu64 " intercepted %" PRIu64
	       "  reuse failed %" PRIu64 "  pinned pages %" PRIu64 "  host frames %" PRIu64 "\n",
	       kvm->model.vsie_entries, kvm->model.init_ssca, kvm->model.validity,
	       kvm->model.last_validity_code, kvm->model.sigp_interpreted,
	       kvm->model.sigp_intercepted, kvm->model.reuse_failed, s390_pinned_pages(kvm),
	       s390_host_frames_in_use(kvm));
}

static void print_sca(struct ctx *c, const struct s390_g3_config *cfg)
{
	struct s390_kvm *kvm = c->kvm;
	struct vsie_sca *sca = s390_vsie_sca_lookup(kvm, cfg->sca_gpa);
	struct ssca_block *ssca = sca ? sca->ssca : NULL;
	int valid = 0, ok = 0, shown = 0;
	char b1[24], b2[24], b3[24];

	if (c->o->json) {
		if (!sca) {
			json_null(&c->j, "sca");
			return;
		}
		json_obj_begin(&c->j, "sca");
		hexs(b1, sizeof(b1), sca->sca_gpa);
		json_str(&c->j, "sca_gpa", b1);
		json_str(&c->j, "format", cfg->esca ? "esca" : "bsca");
		json_u64(&c->j, "pinned_pages", sca->sca_o_nr_pages);
		json_s64(&c->j, "ref_count", sca->ref_count);
		json_arr_begin(&c->j, "mcn");
		for (int i = 0; i < (cfg->esca ? 4 : 1); i++) {
			hexs(b1, sizeof(b1), sca->mcn[i]);
			json_str(&c->j, NULL, b1);
		}
		json_arr_end(&c->j);
		if (!ssca) {
			json_null(&c->j, "ssca");
		} else {
			json_obj_begin(&c->j, "ssca");
			hexs(b1, sizeof(b1), s390_phys(kvm, ssca));
			json_str(&c->j, "hpa", b1);
			hexs(b1, sizeof(b1), ssca->osca);
			json_str(&c->j, "osca", b1);
			json_arr_begin(&c->j, "entries");
			for (int n = 0; n < KVM_S390_MAX_VSIE_VCPUS; n++) {
				if (!ssca->cpu[n].ssda && !cfg->scb_gpa[n])
					continue;
				json_obj_begin(&c->j, NULL);
				json_u64(&c->j, "cpu", n);
				hexs(b1, sizeof(b1), ssca->cpu[n].ssda);
				json_str(&c->j, "ssda", b1);
				hexs(b1, sizeof(b1), ssca->cpu[n].ossea);
				json_str(&c->j, "ossea", b1);
				json_bool(&c->j, "ok", entry_check(kvm, cfg, ssca, n));
				json_obj_end(&c->j);
			}
			json_arr_end(&c->j);
			json_obj_end(&c->j);
		}
		json_obj_end(&c->j);
		return;
	}
	if (!sca) {
		printf("  no vsie_sca for the SCA at 0x%" PRIx64 "\n", cfg->sca_gpa);
		return;
	}
	printf("  vsie_sca: SCA gpa 0x%" PRIx64 " (%s), %d page(s) pinned, ref_count %d, mcn",
	       sca->sca_gpa, cfg->esca ? "ESCA" : "BSCA", sca->sca_o_nr_pages, sca->ref_count);
	for (int i = 0; i < (cfg->esca ? 4 : 1); i++)
		printf(" %016" PRIx64, sca->mcn[i]);
	printf("\n");
	if (!ssca) {
		printf("  no shadow SCA (SCA shadowing off): the shadow blocks use the original "
		       "SCA\n");
		return;
	}
	hexs(b1, sizeof(b1), s390_phys(kvm, ssca));
	hexs(b2, sizeof(b2), ssca->osca);
	printf("  ssca_block at hpa %s, osca %s\n", b1, b2);
	for (int n = 0; n < KVM_S390_MAX_VSIE_VCPUS; n++) {
		int good;

		if (!ssca->cpu[n].ssda && !cfg->scb_gpa[n])
			continue;
		valid++;
		good = entry_check(kvm, cfg, ssca, n);
		ok += good;
		if (c->o->all_entries || shown < 8 || !good) {
			hexs(b1, sizeof(b1), ssca->cpu[n].ssda);
			hexs(b2, sizeof(b2), ssca->cpu[n].ossea);
			hexs(b3, sizeof(b3), cfg->scb_gpa[n]);
			printf("    cpu %3d  ssda %-10s ossea %-10s (SIE block gpa %s)  %s\n", n,
			       b1, b2, b3, good ? "ok" : "MISMATCH");
			shown++;
		}
	}
	if (shown < valid)
		printf("    ... %d more entries (--entries shows all)\n", valid - shown);
	printf("  %d/%d entries point at the right shadow SIE block and original SCA entry\n", ok,
	       valid);
}

static void phase(struct ctx *c, const char *name, const char *what, int rc,
		  const struct s390_g3_config *cfg)
{
	if (c->o->json) {
		json_obj_begin(&c->j, NULL);
		json_str(&c->j, "phase", name);
		json_str(&c->j, "what", what);
		json_s64(&c->j, "rc", rc);
		if (cfg)
			print_sca(c, cfg);
		print_stats(c);
		json_obj_end(&c->j);
		return;
	}
	printf("== %s: %s\n", name, what);
	if (rc)
		printf("  VSIE entry failed: %s (%d): guest-2's KVM_RUN returns the error\n",
		       rc == -EFAULT   ? "-EFAULT"
		       : rc == -ENOMEM ? "-ENOMEM"
				       : "error",
		       rc);
	if (cfg)
		print_sca(c, cfg);
	print_stats(c);
}

/* each CPU of cfg enters once, round-robin over the guest-2 vCPUs */
static int enter_all(struct ctx *c, struct s390_g3_config *cfg)
{
	int v = 0, rc;

	for (int n = 0; n < KVM_S390_MAX_VSIE_VCPUS; n++) {
		if (!cfg->scb_gpa[n])
			continue;
		rc = s390_g3_enter(cfg, v, n, NULL);
		if (rc)
			return rc;
		v = (v + 1) % c->kvm->online_vcpus;
	}
	return 0;
}

static int run(const struct opts *o)
{
	struct s390_kvm_config kc = {
	    .nr_vcpus = o->g2_vcpus,
	    .g2_pages = 1024,
	    .host_pages = 1024,
	    .sclp = {.has_sief2 = true,
		     .has_64bscao = true,
		     .has_esca = true,
		     .has_sigpif = true,
		     .has_vsie_sigpif = !o->no_sigpif},
	    .vsie_shadow_scb_max = o->scb_max,
	    .vsie_shadow_sca_max = o->sca_max,
	    .rfc_defects = o->defects,
	};
	static struct s390_g3_config a, x, y;
	struct s390_g3_action ecall;
	struct ctx c = {.o = o};
	char what[160], dstr[64];
	u64 allocated;
	int rc, n;
	u8 pend, scn;
	u64 sda;

	if (s390_kvm_create_vm(&c.kvm, &kc)) {
		fprintf(stderr, "kvmsim s390-vsie: cannot create the VM\n");
		return EXIT_RUNTIME;
	}
	defects_str(o->defects, dstr, sizeof(dstr));
	if (o->json) {
		json_init(&c.j, stdout);
		json_obj_begin(&c.j, NULL);
		json_obj_begin(&c.j, "config");
		json_u64(&c.j, "cpus", o->cpus);
		json_u64(&c.j, "g2_vcpus", o->g2_vcpus);
		hexs(what, sizeof(what), SCA_A + o->sca_offset);
		json_str(&c.j, "bsca_gpa", what);
		json_u64(&c.j, "vsie_shadow_sca_max", o->sca_max);
		json_u64(&c.j, "vsie_shadow_scb_max", o->scb_max);
		json_bool(&c.j, "vsie_sigpif", !o->no_sigpif);
		json_bool(&c.j, "sca_shadowing", use_vsie_sigpif(c.kvm));
		json_str(&c.j, "rfc_defects", dstr);
		json_obj_end(&c.j);
		json_arr_begin(&c.j, "phases");
	} else {
		printf("guest-3 on guest-2 (%d vCPUs) on guest-1 KVM; vsie_sigpif %s, SCA "
		       "shadowing %s,"
		       " RFC defects: %s\n",
		       o->g2_vcpus, o->no_sigpif ? "absent" : "present",
		       use_vsie_sigpif(c.kvm) ? "on" : "off", dstr);
	}

	/* 1. entry: every CPU enters once; then CPU 0 sends an external call to the last */
	rc = s390_g3_create(&a, c.kvm, SCA_A + o->sca_offset, false, true, o->cpus, SCB_A);
	if (!rc)
		rc = enter_all(&c, &a);
	if (!rc) {
		ecall = (struct s390_g3_action){.order = SIGP_EXTERNAL_CALL,
						.target = (u16)(o->cpus - 1)};
		rc = s390_g3_enter(&a, 0, 0, &ecall);
	}
	pend = 0;
	scn = 0;
	if (!rc)
		s390_g3_read_entry(&a, o->cpus - 1, &pend, &scn, &sda);
	snprintf(what, sizeof(what),
		 "%d CPUs on a BSCA at gpa 0x%" PRIx64
		 "; SIGP EXTERNAL CALL 0 -> %d %s (entry: c=%u scn=%u)",
		 o->cpus, a.sca_gpa, o->cpus - 1,
		 c.kvm->vcpus[0].g3_result.interpreted ? "interpreted by the firmware"
						       : "intercepted (VSIE exit)",
		 pend, scn);
	phase(&c, "entry", what, rc, &a);

	/* 2. hotplug: add CPU cpus, enter from CPU 0 */
	rc = s390_g3_add_cpu(&a, o->cpus, SCB_A + 512ull * o->cpus);
	if (!rc)
		rc = s390_g3_enter(&a, 0, 0, NULL);
	snprintf(what, sizeof(what), "guest-2 adds CPU %d (mcn changes; init_ssca re-runs)",
		 o->cpus);
	phase(&c, "cpu-add", what, rc, &a);

	/* 3. hotplug: remove CPU 1 */
	rc = s390_g3_remove_cpu(&a, 1);
	if (!rc)
		rc = s390_g3_enter(&a, 0, 0, NULL);
	phase(&c, "cpu-remove", "guest-2 removes CPU 1 (mcn changes; entry 1 emptied)", rc, &a);

	/* 4. BSCA -> ESCA: fill the BSCA to 64 CPUs, switch, add CPU 64 */
	rc = 0;
	for (n = 0; n < KVM_S390_BSCA_CPU_SLOTS && !rc; n++)
		if (!a.scb_gpa[n])
			rc = s390_g3_add_cpu(&a, n, SCB_A + 512ull * n);
	if (!rc)
		rc = s390_g3_switch_to_esca(&a, SCA_ESCA);
	/* CPU 0 enters first: its vsie_page's vsie_sca is at the old address (patch 9) */
	if (!rc)
		rc = s390_g3_enter(&a, 0, 0, NULL);
	if (!rc)
		rc = s390_g3_add_cpu(&a, 64, SCB_A + 512ull * 64);
	if (!rc)
		rc = s390_g3_enter(&a, 1 % o->g2_vcpus, 64, NULL);
	snprintf(what, sizeof(what),
		 "64 CPUs, then guest-2 replaces the BSCA by an ESCA at gpa 0x%" PRIx64
		 " (CPU 0 enters: same vsie_sca re-initialised) and adds CPU 64",
		 (u64)SCA_ESCA);
	phase(&c, "esca-switch", what, rc, &a);

	/* 5. reuse: two more configurations; max_sca = min(max(online_vcpus, param), 256) */
	rc = s390_g3_create(&x, c.kvm, SCA_X, false, true, 2, SCB_X);
	if (!rc)
		rc = enter_all(&c, &x);
	snprintf(what, sizeof(what), "a second configuration (SCA at 0x%" PRIx64 "), sca_count %d",
		 (u64)SCA_X, c.kvm->arch.vsie.sca_count);
	phase(&c, "second-config", what, rc, &x);
	allocated = c.kvm->stat.vsie_shadow_sca;
	rc = s390_g3_create(&y, c.kvm, SCA_Y, false, true, 2, SCB_Y);
	if (!rc)
		rc = enter_all(&c, &y);
	allocated = c.kvm->stat.vsie_shadow_sca - allocated;
	snprintf(what, sizeof(what), "a third configuration (SCA at 0x%" PRIx64 "): %s", (u64)SCA_Y,
		 rc == -EFAULT ? "no free vsie_sca found: the guest-2 vCPU cannot make progress "
				 "(the cover letter's \"reuse ... does hang\")"
		 : rc	       ? "failed"
		 : allocated   ? "a new vsie_sca is allocated (sca_count stays below max_sca)"
			       : "a free vsie_sca is reused");
	phase(&c, "reuse", what, rc, &y);

	kvm_s390_vsie_destroy(c.kvm);
	if (o->json) {
		json_arr_end(&c.j);
		json_obj_begin(&c.j, "after_destroy");
		json_u64(&c.j, "pinned_pages", s390_pinned_pages(c.kvm));
		json_u64(&c.j, "host_frames_in_use", s390_host_frames_in_use(c.kvm));
		json_obj_end(&c.j);
		json_obj_end(&c.j);
		json_finish(&c.j);
	} else {
		printf("== destroy: %" PRIu64 " pages still pinned, %" PRIu64
		       " host frames still allocated\n",
		       s390_pinned_pages(c.kvm), s390_host_frames_in_use(c.kvm));
	}
	s390_kvm_destroy_vm(c.kvm);
	return 0;
}

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "kvmsim s390-vsie: invalid value '%s' for %s\n", val, opt);
	return EXIT_USAGE;
}

static int cmd_s390_vsie(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"cpus", required_argument, NULL, 'c'},
	    {"g2-vcpus", required_argument, NULL, 'g'},
	    {"sca-offset", required_argument, NULL, 'o'},
	    {"vsie-shadow-sca-max", required_argument, NULL, 'S'},
	    {"vsie-shadow-scb-max", required_argument, NULL, 'B'},
	    {"variant", required_argument, NULL, 'v'},
	    {"defects", required_argument, NULL, 'd'},
	    {"no-vsie-sigpif", no_argument, NULL, 'n'},
	    {"entries", no_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {.cpus = 4, .g2_vcpus = 2, .sca_offset = 0xc00, .sca_max = 1};
	int ch;
	u64 v;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (parse_u64(optarg, &v) || v < 2 || v > 63)
				return bad("--cpus", optarg);
			o.cpus = (int)v;
			break;
		case 'g':
			if (parse_u64(optarg, &v) || v < 1 || v > S390_G2_MAX_VCPUS)
				return bad("--g2-vcpus", optarg);
			o.g2_vcpus = (int)v;
			break;
		case 'o':
			if (parse_u64(optarg, &v) || v >= 0x1000 || (v & 0xf))
				return bad("--sca-offset", optarg);
			o.sca_offset = v;
			break;
		case 'S':
			if (parse_u64(optarg, &v) || v > 0xffffffffull)
				return bad("--vsie-shadow-sca-max", optarg);
			o.sca_max = (unsigned int)v;
			break;
		case 'B':
			if (parse_u64(optarg, &v) || v > 0xffffffffull)
				return bad("--vsie-shadow-scb-max", optarg);
			o.scb_max = (unsigned int)v;
			break;
		case 'v':
			if (!strcmp(optarg, "fixed"))
				o.defects = 0;
			else if (!strcmp(optarg, "rfc-v2"))
				o.defects = VSIE_RFC_V2;
			else if (!strcmp(optarg, "rfc-v2-p7"))
				o.defects = VSIE_RFC_V2_P7;
			else
				return bad("--variant", optarg);
			break;
		case 'd':
			if (parse_defects(optarg, &o.defects))
				return bad("--defects", optarg);
			break;
		case 'n':
			o.no_sigpif = true;
			break;
		case 'e':
			o.all_entries = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				fprintf(stderr,
					"kvmsim s390-vsie: option '-%c' is unknown or needs a "
					"value\n",
					optopt);
			else
				fprintf(stderr, "kvmsim s390-vsie: bad option '%s'\n",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvmsim s390-vsie: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	return run(&o);
}

KVMSIM_COMMAND(cmd_s390_vsie_desc, .name = "s390-vsie",
	       .summary = "s390 VSIE SIGP interpretation: shadow SCA through hotplug, ESCA, reuse",
	       .run = cmd_s390_vsie);
