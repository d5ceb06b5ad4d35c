/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Intrusive doubly linked lists, as systemd's list.h has them: an item carries `prev` and `next`
 * pointers, the owner holds the head.
 */

#define LIST_PREPEND(head, item)                                        \
        do {                                                            \
                __typeof__(*(head)) **_head = &(head), *_item = (item); \
                _item->prev = NULL;                                     \
                _item->next = *_head;                                   \
                if (*_head)                                             \
                        (*_head)->prev = _item;                         \
                *_head = _item;                                         \
        } while (0)

#define LIST_REMOVE(head, item)                                         \
        do {                                                            \
                __typeof__(*(head)) **_head = &(head), *_item = (item); \
                if (_item->prev)                                        \
                        _item->prev->next = _item->next;                \
                else                                                    \
                        *_head = _item->next;                           \
                if (_item->next)                                        \
                        _item->next->prev = _item->prev;                \
                _item->prev = _item->next = NULL;                       \
        } while (0)
