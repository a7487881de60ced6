/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ext4 superblock's and group descriptor's field tables (ext_sb.h). */
#include "ext_sb.h"

PS_EXTSB_FIELDS(PS_FIELD_CHECK, PS_EXTSB)

static const struct ps_field extsb_fields[] = { PS_EXTSB_FIELDS(PS_FIELD_ENTRY, PS_EXTSB) };
const struct ps_layout ps_ext_sb_layout = PS_LAYOUT(PS_EXTSB, "ext4_super_block", extsb_fields);

PS_EXTGD_FIELDS(PS_FIELD_CHECK, PS_EXTGD)

static const struct ps_field extgd_fields[] = { PS_EXTGD_FIELDS(PS_FIELD_ENTRY, PS_EXTGD) };
const struct ps_layout ps_ext_gd_layout = PS_LAYOUT(PS_EXTGD, "ext4_group_desc", extgd_fields);
