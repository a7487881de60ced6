/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ext4 superblock's field table (ext_sb.h). */
#include "ext_sb.h"

PS_EXTSB_FIELDS(PS_FIELD_CHECK, PS_EXTSB)

static const struct ps_field extsb_fields[] = { PS_EXTSB_FIELDS(PS_FIELD_ENTRY, PS_EXTSB) };
const struct ps_layout ps_ext_sb_layout = PS_LAYOUT(PS_EXTSB, "ext4_super_block", extsb_fields);
