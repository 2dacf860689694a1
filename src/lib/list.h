/* Intrusive doubly-linked lists whose head is one pointer (`type *head`).
 *
 * An element embeds a LIST_LINK(type) field and keeps the address of the
 * pointer that points at it (the head or the previous element's next), so
 * it unlinks itself in O(1) without knowing its head, and unlinking an
 * element that is not on a list does nothing.  Insertion is at the head.
 * Iterating while the current element may unlink itself: save its next
 * first (list_foreach_safe).  list_push also inserts before any element:
 * give it the address of the pointer that points at that element.
 *
 *	struct conn { LIST_LINK(struct conn) link; ... };
 *	struct conn *conns = NULL;
 *	list_push(&conns, c, link);
 *	list_unlink(c, link);
 */
#ifndef SUPD_LIST_H
#define SUPD_LIST_H

#include <stdbool.h>
#include <stddef.h>

#define LIST_LINK(type)                                                                            \
	struct {                                                                                   \
		type *next;                                                                        \
		type **pprev; /* NULL: on no list */                                               \
	}

/* Puts elm first on the list *headp. */
#define list_push(headp, elm, field)                                                               \
	do {                                                                                       \
		__typeof__(elm) list_e_ = (elm);                                                   \
		__typeof__(headp) list_h_ = (headp);                                               \
		list_e_->field.next = *list_h_;                                                    \
		if (*list_h_)                                                                      \
			(*list_h_)->field.pprev = &list_e_->field.next;                            \
		*list_h_ = list_e_;                                                                \
		list_e_->field.pprev = list_h_;                                                    \
	} while (0)

/* Puts elm last on the list *headp (a walk: for short lists). */
#define list_append(headp, elm, field)                                                             \
	do {                                                                                       \
		__typeof__(headp) list_p_ = (headp);                                               \
		while (*list_p_)                                                                   \
			list_p_ = &(*list_p_)->field.next;                                         \
		list_push(list_p_, elm, field);                                                    \
	} while (0)

/* Takes elm off its list; nothing when it is on none. */
#define list_unlink(elm, field)                                                                    \
	do {                                                                                       \
		__typeof__(elm) list_e_ = (elm);                                                   \
		if (list_e_->field.pprev) {                                                        \
			if (list_e_->field.next)                                                   \
				list_e_->field.next->field.pprev = list_e_->field.pprev;           \
			*list_e_->field.pprev = list_e_->field.next;                               \
		}                                                                                  \
		list_e_->field.next = NULL;                                                        \
		list_e_->field.pprev = NULL;                                                       \
	} while (0)

#define list_linked(elm, field) ((elm)->field.pprev != NULL)

/* for each var on the list head, var may be unlinked (or freed) in the
 * body; tmp is a variable of var's type. */
#define list_foreach_safe(var, head, field, tmp)                                                   \
	for ((var) = (head); (var) && ((tmp) = (var)->field.next, true); (var) = (tmp))

#endif
