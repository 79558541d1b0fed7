/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functions berth never uses: each has a bounded or safer replacement.  Every berth .c file
 * includes this header after all others (tests/lint.sh checks it), so a use is a compile
 * error.
 *   strcpy/strcat/sprintf/vsprintf -> snprintf or berth_strbuf
 *   strtok                          -> strtok_r or explicit parsing
 *   atoi/atol/atoll                 -> berth_parse_* (range-checked)
 *   system/popen                    -> fork+execve with an argv, never a shell
 *   gets                            -> fgets/getline
 */
#pragma once

#define BERTH_BANNED(fn) sorry_##fn##_is_banned_in_berth

#undef strcpy
#define strcpy(...) BERTH_BANNED(strcpy)
#undef strcat
#define strcat(...) BERTH_BANNED(strcat)
#undef sprintf
#define sprintf(...) BERTH_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BERTH_BANNED(vsprintf)
#undef strtok
#define strtok(...) BERTH_BANNED(strtok)
#undef atoi
#define atoi(...) BERTH_BANNED(atoi)
#undef atol
#define atol(...) BERTH_BANNED(atol)
#undef atoll
#define atoll(...) BERTH_BANNED(atoll)
#undef system
#define system(...) BERTH_BANNED(system)
#undef popen
#define popen(...) BERTH_BANNED(popen)
#undef gets
#define gets(...) BERTH_BANNED(gets)
