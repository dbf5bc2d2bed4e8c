package bot_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// What the privacy tests add to the in-memory session store: erasure, as
// storage.Sessions does it.

var _ bot.Store = movableStore{}

func (m *memStore) Delete(ctx context.Context, key string) error {
	return m.sessions.Delete(ctx, key)
}

// privacyEdge is the roles harness with the /exit trail in a real Redis.
type privacyEdge struct {
	*roles
	rdb *redis.Client
}

// newPrivacy starts the edge with roles and a trail; tweak, when not nil,
// changes the options first.
func newPrivacy(t *testing.T, tweak func(*bot.Options)) *privacyEdge {
	t.Helper()
	rdb := redistest.Start(t).Client(t)
	r := newRoles(t, func(o *bot.Options) {
		codec, _ := storage.NewCodec(make([]byte, storage.KeySize))
		o.Trail = storage.NewTrail(rdb, codec, "t:")
		if tweak != nil {
			tweak(o)
		}
	})
	t.Cleanup(r.b.Close)
	return &privacyEdge{roles: r, rdb: rdb}
}

// trail is the stored trail of chat, after the recorder wrote it.
func (p *privacyEdge) trail(chat int64) []string {
	p.t.Helper()
	if err := p.b.FlushTrail(context.Background()); err != nil {
		p.t.Fatal(err)
	}
	got, err := p.rdb.LRange(context.Background(), redisKey("t:shown:", strconv.FormatInt(chat, 10)), 0, -1).Result()
	if err != nil {
		p.t.Fatal(err)
	}
	return got
}

// invited has young person chat open an invite of director (made by
// counsellor, if not 0) with a first name and note, and consent.
func (p *privacyEdge) invited(chat, director, counsellor int64, first, note string) {
	p.t.Helper()
	now := p.clock.Now()
	token, err := p.people.Links.CreateLink(context.Background(), domain.Link{
		Kind: domain.LinkInvite, CreatedBy: director, Director: director, Counsellor: counsellor,
		FirstName: first, Note: note, Created: now, Expires: now.Add(bot.DefaultInviteTTL),
	})
	if err != nil {
		p.t.Fatal(err)
	}
	p.send(chat, "/start "+token, "nl")
	p.consent(chat)
}
