/* SPDX-License-Identifier: Apache-2.0 */
#include "image/reference.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/strutil.h"
#include "basic/banned.h"

#define REF_INPUT_MAX 4096

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex_lower(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* over s[0..n) */
static bool component_valid(const char *s, size_t n)
{
        size_t i = 0;
        if (n == 0 || !is_lower_alnum(s[0]))
                return false;
        while (i < n) {
                while (i < n && is_lower_alnum(s[i]))
                        i++;
                if (i == n)
                        return true;
                size_t sep = i;
                if (s[i] == '.') {
                        i++;
                } else if (s[i] == '_') {
                        i++;
                        if (i < n && s[i] == '_')
                                i++;
                } else if (s[i] == '-') {
                        while (i < n && s[i] == '-')
                                i++;
                } else {
                        return false;
                }
                if (i == sep || i == n || !is_lower_alnum(s[i]))
                        return false;
        }
        return true;
}

/* A DNS label: [A-Za-z0-9] ( [A-Za-z0-9-]* [A-Za-z0-9] )? */
static bool label_valid(const char *s, size_t n)
{
        if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '-')
                        return false;
        return true;
}

static bool port_valid(const char *s, size_t n)
{
        if (n == 0 || n > 5)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char)s[i]))
                        return false;
        return true;
}

static bool domain_valid(const char *s, size_t n)
{
        size_t hostlen = n;
        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close || close == s + 1)
                        return false;
                for (const char *p = s + 1; p < close; p++)
                        if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                                return false;
                size_t used = (size_t)(close - s) + 1;
                if (used == n)
                        return true;
                return s[used] == ':' && port_valid(s + used + 1, n - used - 1);
        }
        const char *colon = memchr(s, ':', n);
        if (colon) {
                hostlen = (size_t)(colon - s);
                if (!port_valid(colon + 1, n - hostlen - 1))
                        return false;
        }
        size_t start = 0;
        for (size_t i = 0; i <= hostlen; i++) {
                if (i == hostlen || s[i] == '.') {
                        if (!label_valid(s + start, i - start))
                                return false;
                        start = i + 1;
                }
        }
        return true;
}

bool berth_reference_tag_valid(const char *tag)
{
        size_t n = strlen(tag);
        if (n == 0 || n > BERTH_REF_TAG_MAX)
                return false;
        if (!isalnum((unsigned char)tag[0]) && tag[0] != '_')
                return false;
        for (size_t i = 1; i < n; i++)
                if (!isalnum((unsigned char)tag[i]) && tag[i] != '_' && tag[i] != '.' &&
                    tag[i] != '-')
                        return false;
        return true;
}

int berth_digest_validate(const char *digest, struct berth_error *err)
{
        const char *colon = strchr(digest, ':');
        if (!colon)
                return berth_error_set(err, EINVAL, "invalid digest '%s': missing algorithm",
                                       digest);
        size_t alen = (size_t)(colon - digest), want;
        if (alen == 6 && !strncmp(digest, "sha256", 6))
                want = 64;
        else if (alen == 6 && !strncmp(digest, "sha512", 6))
                want = 128;
        else
                return berth_error_set(err, EINVAL, "unsupported digest algorithm '%.*s'",
                                       (int)(alen > 32 ? 32 : alen), digest);
        const char *hex = colon + 1;
        size_t n = strlen(hex);
        if (n != want)
                return berth_error_set(err, EINVAL,
                                       "invalid digest: %.*s needs %zu hex characters, got %zu",
                                       (int)alen, digest, want, n);
        for (size_t i = 0; i < n; i++)
                if (!is_hex_lower(hex[i]))
                        return berth_error_set(
                            err, EINVAL, "invalid digest: encoded part must be lowercase hex");
        return 0;
}

static int bad(struct berth_error *err, const char *why)
{
        return berth_error_set(err, EINVAL, "invalid reference format%s%s", why ? ": " : "",
                               why ? why : "");
}

/* Split name into domain and path, validate both. */
static int split_name(const char *name, size_t n, char **domain, char **path,
                      struct berth_error *err)
{
        const char *slash = memchr(name, '/', n);
        size_t dlen = slash ? (size_t)(slash - name) : 0;
        bool has_domain = false;
        if (slash) {
                for (size_t i = 0; i < dlen; i++)
                        if (name[i] == '.' || name[i] == ':' || name[i] == '[' ||
                            isupper((unsigned char)name[i]))
                                has_domain = true;
                if (dlen == 9 && !strncmp(name, "localhost", 9))
                        has_domain = true;
        }
        const char *p = has_domain ? slash + 1 : name;
        size_t plen = n - (size_t)(p - name);
        if (has_domain && !domain_valid(name, dlen))
                return bad(err, "invalid registry host");
        /* each path component */
        size_t start = 0;
        for (size_t i = 0; i <= plen; i++) {
                if (i == plen || p[i] == '/') {
                        bool upper = false;
                        for (size_t k = start; k < i; k++)
                                upper |= isupper((unsigned char)p[k]) != 0;
                        if (upper)
                                return bad(err, "repository name must be lowercase");
                        if (!component_valid(p + start, i - start))
                                return bad(err, NULL);
                        start = i + 1;
                }
        }
        if (has_domain) {
                if (dlen == 15 && !strncmp(name, "index.docker.io", 15))
                        *domain = strdup(BERTH_REF_DEFAULT_DOMAIN);
                else
                        *domain = strndup(name, dlen);
        } else {
                *domain = strdup(BERTH_REF_DEFAULT_DOMAIN);
        }
        bool official =
            !strcmp(*domain ? *domain : "", BERTH_REF_DEFAULT_DOMAIN) && !memchr(p, '/', plen);
        *path = official ? berth_strdup_printf("library/%.*s", (int)plen, p) : strndup(p, plen);
        if (!*domain || !*path)
                return berth_error_set(err, ENOMEM, "out of memory");
        if (strlen(*domain) + 1 + strlen(*path) > BERTH_REF_NAME_MAX)
                return bad(err, "repository name must not be more than 255 characters");
        return 0;
}

int berth_reference_parse(const char *s, bool default_tag, struct berth_reference *out,
                          struct berth_error *err)
{
        struct berth_reference r = {0};
        if (!s || !*s)
                return bad(err, "empty reference");
        size_t n = strnlen(s, REF_INPUT_MAX + 1);
        if (n > REF_INPUT_MAX)
                return bad(err, "reference too long");
        const char *at = strchr(s, '@');
        size_t name_end = at ? (size_t)(at - s) : n;
        int ret = 0;
        if (at) {
                ret = berth_digest_validate(at + 1, err);
                if (ret < 0)
                        return ret;
                r.digest = strdup(at + 1);
                if (!r.digest)
                        return berth_error_set(err, ENOMEM, "out of memory");
        }
        /* A tag is after the last ':' that follows the last '/'. */
        const char *last_slash = memrchr(s, '/', name_end);
        const char *from = last_slash ? last_slash + 1 : s;
        const char *colon = memchr(from, ':', name_end - (size_t)(from - s));
        if (colon) {
                size_t tlen = name_end - (size_t)(colon + 1 - s);
                _cleanup_free_ char *tag = strndup(colon + 1, tlen);
                if (!tag) {
                        ret = berth_error_set(err, ENOMEM, "out of memory");
                        goto fail;
                }
                if (!berth_reference_tag_valid(tag)) {
                        ret = bad(err, "invalid tag");
                        goto fail;
                }
                r.tag = TAKE_PTR(tag);
                name_end = (size_t)(colon - s);
        }
        if (name_end == 0) {
                ret = bad(err, "missing repository name");
                goto fail;
        }
        ret = split_name(s, name_end, &r.domain, &r.path, err);
        if (ret < 0)
                goto fail;
        if (!r.tag && !r.digest && default_tag) {
                r.tag = strdup(BERTH_REF_DEFAULT_TAG);
                if (!r.tag) {
                        ret = berth_error_set(err, ENOMEM, "out of memory");
                        goto fail;
                }
        }
        *out = r;
        return 0;
fail:
        berth_reference_clear(&r);
        return ret;
}

static char *format(const struct berth_reference *r, const char *name)
{
        return berth_strdup_printf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
                                   r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *berth_reference_name(const struct berth_reference *r)
{
        return berth_strdup_printf("%s/%s", r->domain, r->path);
}

char *berth_reference_string(const struct berth_reference *r)
{
        _cleanup_free_ char *name = berth_reference_name(r);
        return name ? format(r, name) : NULL;
}

char *berth_reference_familiar(const struct berth_reference *r)
{
        const char *name = r->path;
        _cleanup_free_ char *full = NULL;
        if (strcmp(r->domain, BERTH_REF_DEFAULT_DOMAIN) != 0) {
                full = berth_reference_name(r);
                if (!full)
                        return NULL;
                name = full;
        } else if (berth_startswith(name, "library/") && !strchr(name + 8, '/')) {
                name += 8;
        }
        return format(r, name);
}

void berth_reference_clear(struct berth_reference *r)
{
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        *r = (struct berth_reference){0};
}
