#!/usr/bin/env python3
"""Writes datasets/events_sample.csv: events for the first 1,500 contacts of crm_sample.csv
(e-mail, else phone, else CPF, as written there), over the 120 days before 2026-11-30,
plus an unknown contact, a contact that is none, and a timestamp not understood.

Run from the repository root: python3 datasets/make_events_sample.py
"""
import csv
import datetime
import random

random.seed(7)
rows = list(csv.reader(open("datasets/crm_sample.csv", encoding="utf-8"), delimiter=";"))[1:]
acts = [("email_open", 5), ("link_click", 2), ("page_visit", 4), ("newsletter_signup", 0.3),
        ("event_registration", 0.2), ("info_request", 0.2), ("unsubscribe", 0.1), ("email_bounce", 0.15)]
pages = ["https://example.com/pricing", "https://example.com/blog/crm", "https://example.com/", "https://example.com/contact"]
end = datetime.datetime(2026, 11, 30)
with open("datasets/events_sample.csv", "w", encoding="utf-8", newline="") as out:
    w = csv.writer(out)
    w.writerow(["contact", "action", "timestamp", "url", "campaign", "value"])
    for r in rows[:1500]:
        contact = r[1].strip() or r[0].strip() or r[2].strip()
        if not contact:
            continue
        for a, m in acts:
            k = sum(1 for _ in range(10) if random.random() < m / 10)
            for _ in range(k):
                t = end - datetime.timedelta(seconds=random.randrange(0, 120 * 86400))
                url = random.choice(pages) if a == "page_visit" else ""
                w.writerow([contact, a, t.strftime("%Y-%m-%dT%H:%M:%SZ"), url,
                            "black-friday" if random.random() < 0.3 else "newsletter-nov", ""])
    w.writerow(["nobody@example.org", "email_open", "2026-11-20T10:00:00Z", "", "newsletter-nov", ""])
    w.writerow(["5511900000000", "info_request", "2026-11-21T10:00:00Z", "", "", ""])
    w.writerow(["not-a-contact", "email_open", "2026-11-20T10:00:00Z", "", "", ""])
    w.writerow(["ana@example.com", "email_open", "20/11/2026", "", "", ""])
