/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMSIM_VERSION_H
#define KVMSIM_VERSION_H
#define KVMSIM_VERSION "0.1.0"
#endif
