/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Little-endian wrapper types for every structure that lives in guest memory.
 * A raw assignment between a wrapper and a host integer does not compile: the
 * conversions below are the only way in or out.
 */
#ifndef VIRTIOCHECK_LE_H
#define VIRTIOCHECK_LE_H

#include <stdint.h>

typedef struct { uint16_t v; } le16;
typedef struct { uint32_t v; } le32;
typedef struct { uint64_t v; } le64;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VC_LE16_RAW(x) __builtin_bswap16(x)
#define VC_LE32_RAW(x) __builtin_bswap32(x)
#define VC_LE64_RAW(x) __builtin_bswap64(x)
#else
#define VC_LE16_RAW(x) (x)
#define VC_LE32_RAW(x) (x)
#define VC_LE64_RAW(x) (x)
#endif

static inline uint16_t le16_to_cpu(le16 x) { return (uint16_t)VC_LE16_RAW(x.v); }
static inline uint32_t le32_to_cpu(le32 x) { return (uint32_t)VC_LE32_RAW(x.v); }
static inline uint64_t le64_to_cpu(le64 x) { return (uint64_t)VC_LE64_RAW(x.v); }
static inline le16 cpu_to_le16(uint16_t x) { le16 r = { (uint16_t)VC_LE16_RAW(x) }; return r; }
static inline le32 cpu_to_le32(uint32_t x) { le32 r = { (uint32_t)VC_LE32_RAW(x) }; return r; }
static inline le64 cpu_to_le64(uint64_t x) { le64 r = { (uint64_t)VC_LE64_RAW(x) }; return r; }

/*
 * Single, ordered accesses to a shared 16-bit field. A field the peer may
 * change is loaded exactly once with one of these and only the local is used.
 */
static inline uint16_t le16_load_once(const le16 *p)
{
	return (uint16_t)VC_LE16_RAW(__atomic_load_n(&p->v, __ATOMIC_RELAXED));
}
static inline uint16_t le16_load_acquire(const le16 *p)
{
	return (uint16_t)VC_LE16_RAW(__atomic_load_n(&p->v, __ATOMIC_ACQUIRE));
}
static inline void le16_store_once(le16 *p, uint16_t v)
{
	__atomic_store_n(&p->v, (uint16_t)VC_LE16_RAW(v), __ATOMIC_RELAXED);
}
static inline void le16_store_release(le16 *p, uint16_t v)
{
	__atomic_store_n(&p->v, (uint16_t)VC_LE16_RAW(v), __ATOMIC_RELEASE);
}
static inline uint32_t le32_load_once(const le32 *p)
{
	return (uint32_t)VC_LE32_RAW(__atomic_load_n(&p->v, __ATOMIC_RELAXED));
}
static inline void le32_store_once(le32 *p, uint32_t v)
{
	__atomic_store_n(&p->v, (uint32_t)VC_LE32_RAW(v), __ATOMIC_RELAXED);
}
static inline uint64_t le64_load_once(const le64 *p)
{
	return (uint64_t)VC_LE64_RAW(__atomic_load_n(&p->v, __ATOMIC_RELAXED));
}

#endif
