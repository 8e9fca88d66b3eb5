static bool isolate(struct page *page, bool getpage)
{
	if (test_clear(page)) {
		if (getpage)
			get_page(page);
		take_off_list(page);
		return true;
	}
	return false;
}

void early_get(struct page *page)
{
	if (isolate(page, true))
		hand_over(page);
	else
		failed(page);
}

void late_get_ok(struct page *page, bool keep)
{
	if (keep) {
		get_page(page);
		hand_over(page);
	}
}
