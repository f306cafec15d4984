/* duration: kinit's -l, -r and -s as MIT's kinit reads them. */
#include "core/duration.h"
#include "tap.h"

static void
test_durations(void)
{
    static const struct {
        const char *text;
        krb5_deltat want;
    } good[] = {
        { "90", 90 }, { "90s", 90 }, { "45m", 2700 }, { "1h30m", 5400 },
        { "1:30:00", 5400 }, { "1d", 86400 }, { "1d2h", 93600 },
        { "-1s", -1 }, { "-3600s", -3600 }, { "-1h", -3600 },
    };
    static const char *const bad[] = { "0", "0s", "bogus", "", "h" };
    krb5_deltat d;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        d = 0;
        ok(ks_duration_parse(good[i].text, &d), "'%s' is a duration",
           good[i].text);
        is_int(d, good[i].want, "'%s' is %ld s", good[i].text,
               (long)good[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 7;
        ok(!ks_duration_parse(bad[i], &d) && d == 7,
           "'%s' is refused, as by MIT's kinit", bad[i]);
    }
}

static void
test_start(void)
{
    krb5_timestamp now = 1796000000;    /* 2026-11-30 */
    krb5_deltat d = 0;

    ok(ks_duration_parse_start("-1h", now, &d), "-s -1h");
    is_int(d, -3600, "a start an hour ago");
    ok(ks_duration_parse_start("2h", now, &d), "-s 2h");
    is_int(d, 7200, "a start in two hours");
    ok(!ks_duration_parse_start("0", now, &d), "-s 0 is refused");
    ok(!ks_duration_parse_start("bogus", now, &d), "-s bogus is refused");
    /* An absolute time counts from NOW, whatever the local zone says. */
    ok(ks_duration_parse_start("20300101000000", now, &d),
       "-s YYYYMMDDhhmmss");
    ok(d > 0, "a time to come is a positive delay");
    ok(ks_duration_parse_start("20200101000000", now, &d),
       "-s a time gone by");
    ok(d < 0, "a time gone by is a negative delay");
}

int
main(void)
{
    test_durations();
    test_start();
    return tap_done();
}
