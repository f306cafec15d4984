/*
 * pac_emit: show a decoded PAC (pac.h) through emit.  The JSON members
 * are documented in kstep(1), the text in kstep(7).
 */
#ifndef KS_PAC_EMIT_H
#define KS_PAC_EMIT_H

#include "core/emit.h"
#include "inspect/pac.h"

/* Every decoded buffer of PAC, its signatures with their verdicts, and
 * the buffers that did not decode, as members of the open object. */
void ks_pac_emit(struct ks_emit *e, const struct ks_pac *pac);

#endif /* KS_PAC_EMIT_H */
