/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XFS superblock's field table (xfs_sb.h). */
#include "xfs_sb.h"

PS_XSB_FIELDS(PS_FIELD_CHECK, PS_XSB)

static const struct ps_field xsb_fields[] = { PS_XSB_FIELDS(PS_FIELD_ENTRY, PS_XSB) };
const struct ps_layout ps_xfs_sb_layout = PS_LAYOUT(PS_XSB, "xfs_dsb", xsb_fields);
