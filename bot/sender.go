package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TelegramAPI is the part of the Bot API client the edge uses;
// *github.com/go-telegram/bot.Bot implements it.
type TelegramAPI interface {
	SendMessage(ctx context.Context, p *tgbot.SendMessageParams) (*models.Message, error)
	EditMessageText(ctx context.Context, p *tgbot.EditMessageTextParams) (*models.Message, error)
	AnswerCallbackQuery(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) (bool, error)
}

// Sender sends replies: it honours 429 retry_after, retries transient
// failures a few times with backoff, and falls back to plain text when
// Telegram refuses the markup, so that a summary always arrives.
type Sender struct {
	API     TelegramAPI
	Log     *slog.Logger
	Metrics *Metrics
	// MaxRetryAfter caps how long one 429 may hold a reply. Zero: 60 s.
	MaxRetryAfter time.Duration
}

const sendAttempts = 4

// Send sends an HTML message; it reports whether it arrived.
func (s *Sender) Send(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) bool {
	p := &tgbot.SendMessageParams{ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	err := s.retry(ctx, func() error {
		_, err := s.API.SendMessage(ctx, p)
		if isMarkupError(err) {
			s.Log.Warn("markup refused, sending plain text")
			p.ParseMode, p.Text = "", PlainText(text)
			_, err = s.API.SendMessage(ctx, p)
		}
		return err
	})
	if err != nil {
		s.Log.Error("can't send message", "err", err)
		return false
	}
	s.Metrics.Sent.Add(1)
	return true
}

// Edit replaces a message; it reports false when the message could not be
// edited (too old, deleted), so the caller sends a new one instead.
func (s *Sender) Edit(ctx context.Context, chatID int64, msgID int, text string, kb *models.InlineKeyboardMarkup) bool {
	p := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: msgID, Text: text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	err := s.retry(ctx, func() error {
		_, err := s.API.EditMessageText(ctx, p)
		if isMarkupError(err) {
			p.ParseMode, p.Text = "", PlainText(text)
			_, err = s.API.EditMessageText(ctx, p)
		}
		return err
	})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return true
	}
	if err != nil {
		s.Log.Info("can't edit message, sending a new one", "err", err)
		return false
	}
	s.Metrics.Sent.Add(1)
	return true
}

// AnswerCallback stops the spinner on a pressed button, with an optional
// short notice.
func (s *Sender) AnswerCallback(ctx context.Context, id, text string) {
	err := s.retry(ctx, func() error {
		_, err := s.API.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
		return err
	})
	if err != nil {
		s.Log.Info("can't answer button press", "err", err)
	}
}

// retry runs call until it succeeds, fails for good, or the attempts run
// out. 429 waits retry_after; 5xx and network errors back off.
func (s *Sender) retry(ctx context.Context, call func() error) error {
	var err error
	backoff := 200 * time.Millisecond
	for attempt := 0; attempt < sendAttempts; attempt++ {
		err = call()
		if err == nil {
			return nil
		}
		wait := backoff
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			s.Metrics.RateLimited.Add(1)
			wait = time.Duration(tooMany.RetryAfter) * time.Second
			if limit := s.maxRetryAfter(); wait > limit {
				return err
			}
		case !transient(err):
			return err
		default:
			backoff *= 2
		}
		s.Metrics.Retries.Add(1)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}

func (s *Sender) maxRetryAfter() time.Duration {
	if s.MaxRetryAfter > 0 {
		return s.MaxRetryAfter
	}
	return 60 * time.Second
}

// transient errors are worth another try: not a refusal by Telegram.
func transient(err error) bool {
	for _, e := range []error{tgbot.ErrorBadRequest, tgbot.ErrorForbidden, tgbot.ErrorUnauthorized,
		tgbot.ErrorNotFound, tgbot.ErrorConflict, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return false
		}
	}
	return true
}

func isMarkupError(err error) bool {
	return err != nil && errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "can't parse entities")
}
