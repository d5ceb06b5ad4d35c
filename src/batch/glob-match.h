/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shell-style patterns over relative paths, for selecting a job's outputs.
 *
 *   *      any run of characters other than '/', including none (and including a leading '.')
 *   ?      one character other than '/'
 *   [...]  one character (not '/') from a set: "[abc]", ranges "[a-z]", negated "[!a-z]" or "[^a-z]";
 *          a ']' right after the '[' (or "[!") is literal
 *   **     as a whole component: "**" followed by '/' matches any number of directories, none included;
 *          a final "**" matches everything below; elsewhere it is the same as "*"
 *   \c     the character c itself
 *
 * Characters are UTF-8 code points. Matching simulates the pattern as a set of states over the path,
 * so its cost is at most proportional to len(pattern) * len(path), whatever the pattern.
 */

#include <stdbool.h>
#include <stddef.h>

#define GLOB_PATTERN_MAX 256U   /* bytes */

/* Returns 0 if pattern is a valid output pattern: relative, non-empty, within GLOB_PATTERN_MAX, valid
 * UTF-8 without control characters, no "." or ".." or empty components, no trailing '/', classes closed,
 * no trailing backslash. Otherwise -EINVAL or -ENAMETOOLONG with a static reason in *ret_error. */
int glob_pattern_check(const char *pattern, const char **ret_error);

/* Returns 1 if path matches pattern, 0 if it does not, -EINVAL if pattern is not valid. */
int glob_match(const char *pattern, const char *path);

/* Returns 1 if some path below the directory dir (that is, starting with dir + "/") could match
 * pattern, 0 if none can, -EINVAL if pattern is not valid. Lets a directory walk skip whole subtrees. */
int glob_match_below(const char *pattern, const char *dir);
