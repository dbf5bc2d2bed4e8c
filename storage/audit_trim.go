package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// TrimAudit drops the audit entries written before before, for the
// retention of the audit trail (INTAKEBOT_AUDIT_RETENTION), and returns how
// many went. It trims by the stream's entry IDs, which are Redis's clock at
// the time of writing, with XTRIM MINID: exact, one round trip.
func (au *Audit) TrimAudit(ctx context.Context, before time.Time) (int64, error) {
	n, err := au.client.XTrimMinID(ctx, au.auditKey(), strconv.FormatInt(before.UnixMilli(), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("can't trim the audit trail: %w", err)
	}
	return n, nil
}
