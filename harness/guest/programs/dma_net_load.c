// SPDX-License-Identifier: GPL-2.0
/*
 * dma_net_load [-t SECONDS] [-b MAX_BYTES] [-s STREAMS] IFACE_A IFACE_B:
 * drive real network DMA both ways between two NICs of this machine that
 * are joined to each other outside it (in the guest, two virtio-net NICs
 * on one QEMU hub), checking every byte.
 *
 * IFACE_A stays in our network namespace. A child process unshares a new
 * one and we move IFACE_B into it (rtnetlink, IFLA_NET_NS_PID), so that the
 * kernel cannot short-circuit the traffic through loopback: it leaves by
 * one NIC and comes back by the other. Only IPv6 link-local addresses
 * (fe80::/64, scoped to the interface) are used, nothing that routes
 * anywhere. In each namespace: accept_dad 0 (all, default and the
 * interface), disable_ipv6 0 on the interface, lo and the interface up,
 * then a wait of up to 10 s for a non-tentative fe80:: address. In the
 * initial namespace these sysctl changes outlive the run.
 *
 * The child creates its unconnected sockets and hands them to us over a
 * socketpair (SCM_RIGHTS): a socket stays in the namespace it was created
 * in, so one process drives both ends, with threads.
 *
 * Traffic, both directions at once, until SECONDS have passed (default 10)
 * or MAX_BYTES of payload have been sent in all (default: no limit):
 *  - STREAMS TCP streams each way (default 2), in chunks of 1 byte to
 *    64 KiB whose content is a function of (stream, offset); the receiver
 *    checks every byte and the byte count;
 *  - one UDP flow each way, datagrams of 64 to 1400 bytes (a quarter of
 *    them under 128) carrying direction, sequence number, length and a
 *    checksum; the payload is checked against its pattern too. Loss is
 *    allowed, corruption is not.
 * Every socket has send and receive timeouts, and alarm() is a hard stop
 * (60 s for the setup, then SECONDS + 30) that reports failure.
 *
 * Prints, on stdout and in this order:
 *	tcp bytes a->b: N
 *	tcp bytes b->a: N
 *	udp datagrams sent: N
 *	udp datagrams received: N
 *	udp datagrams corrupted: N
 *	tcp mismatches: N		(bytes that differ from the pattern)
 *	errors: N
 * Exits 0 if TCP moved bytes both ways with no mismatch, no corrupted
 * datagram and no error; 1 otherwise; 2 on bad usage.
 *
 * When the child exits, its namespace dies and IFACE_B goes back to the
 * initial namespace (a virtual device such as veth is destroyed instead);
 * we wait up to 5 s for it to come back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define MAX_STREAMS	16
#define CHUNK_MAX	65536
#define UDP_HDR		24	/* magic, direction, sequence, length, checksum */
#define UDP_MIN		64
#define UDP_SMALL	128
#define UDP_MAX		1400
#define UDP_MAGIC	0x444e4c55u
#define SOCK_TIMEOUT_MS	5000
#define UDP_RX_TIMEOUT_MS 200
#define CTL_TIMEOUT_MS	30000	/* parent <-> child socketpair, during setup */
#define GRACE_S		10	/* how long after the deadline a stall may last */
#define ADDR_WAIT_S	10
#define SETUP_LIMIT_S	60	/* hard stop during the setup */
#define HARD_STOP_S	30	/* hard stop: deadline + this */
#define RETURN_WAIT_S	5
#define SHOW_MAX	20	/* messages of each kind on stderr */

static const char *who = "dma_net_load";

/* Counters: atomic, since the alarm handler reads them. */
static struct {
	uint64_t tcp_bytes[2];		/* [0] a->b, [1] b->a */
	uint64_t udp_sent[2], udp_received[2], udp_corrupted;
	uint64_t tcp_mismatches;
	uint64_t errors;
	uint64_t notes;
} st;

static double deadline;
static uint64_t budget_max, budget_used;	/* payload bytes, 0: no limit */
static int udp_stop;
static volatile pid_t child_pid;

static uint64_t add(uint64_t *p, uint64_t v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t get(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void vsay(uint64_t *counter, const char *fmt, va_list ap)
{
	char msg[300];

	if (add(counter, 1) >= SHOW_MAX)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s\n", who, msg);
}

/* An error: counted in "errors", shown on stderr (the first few). */
static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(&st.errors, fmt, ap);
	va_end(ap);
}

/* Details of a mismatch or corruption (counted elsewhere). */
static __attribute__((format(printf, 1, 2))) void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(&st.notes, fmt, ap);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- patterns --- */

static uint64_t mix64(uint64_t z)	/* splitmix64's finaliser */
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return mix64(*state);
}

/* Byte at offset pos of stream id: byte pos % 8 of mix64(id, pos / 8). */
static void fill_pattern(uint8_t *buf, uint64_t id, uint64_t off, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t pos = off + i;
		uint64_t w = mix64((id << 56) ^ (pos >> 3));
		unsigned int b;

		for (b = pos & 7; b < 8 && i < len; b++, i++)
			buf[i] = (uint8_t)(w >> (8 * b));
	}
}

static uint32_t fnv1a(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* Sizes from 1 byte to 64 KiB, small ones as likely as large ones. */
static size_t chunk_len(uint64_t *rng)
{
	unsigned int bits = rnd(rng) % 17;

	return 1 + rnd(rng) % ((uint64_t)1 << bits);
}

/* Take up to want bytes from the MAX_BYTES budget; 0 once it is spent. */
static size_t budget_take(size_t want)
{
	uint64_t old;

	if (!budget_max)
		return want;
	old = add(&budget_used, want);
	if (old >= budget_max)
		return 0;
	return old + want > budget_max ? budget_max - old : want;
}

/* --- sockets --- */

static int set_timeouts(int fd, int rcv_ms, int snd_ms)
{
	struct timeval r = { rcv_ms / 1000, (rcv_ms % 1000) * 1000 };
	struct timeval s = { snd_ms / 1000, (snd_ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, sizeof(r)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s, sizeof(s))) {
		fail("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct sockaddr_in6 ll_sockaddr(const struct in6_addr *a, int ifindex,
				       uint16_t port)
{
	struct sockaddr_in6 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = *a;
	sa.sin6_scope_id = ifindex;
	sa.sin6_port = port;	/* network order */
	return sa;
}

static int is_fe80_64(const struct in6_addr *a)
{
	static const uint8_t prefix[8] = { 0xfe, 0x80 };

	return !memcmp(a->s6_addr, prefix, sizeof(prefix));
}

/* Bind fd to [a%ifindex]:0, return the port it got (network order). */
static int bind_ll(int fd, const struct in6_addr *a, int ifindex,
		   uint16_t *port)
{
	struct sockaddr_in6 sa = ll_sockaddr(a, ifindex, 0);
	socklen_t len = sizeof(sa);

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		fail("bind to a link-local address: %s", strerror(errno));
		return -1;
	}
	if (port)
		*port = sa.sin6_port;
	return 0;
}

/* --- namespace setup --- */

static int set_sysctl(const char *dir, const char *knob, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", dir, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fail("%s: %s", path, strerror(errno));
		return -1;
	}
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val)) {
		fail("writing %s to %s: %s", val, path,
		     n < 0 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int if_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, ret = -1;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail("socket(AF_INET6): %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));	/* < IFNAMSIZ */
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		fail("%s: SIOCGIFFLAGS: %s", ifname, strerror(errno));
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			fail("%s: SIOCSIFFLAGS: %s", ifname, strerror(errno));
		else
			ret = 0;
	}
	close(fd);
	return ret;
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		fail("socket(AF_NETLINK): %s", strerror(errno));
		return -1;
	}
	if (set_timeouts(fd, SOCK_TIMEOUT_MS, SOCK_TIMEOUT_MS) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fail("netlink socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int nl_send(int fd, struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) != (ssize_t)nh->nlmsg_len)
		return -1;
	return 0;
}

/* The kernel's answer to request seq: 0 or -errno. */
static int nl_ack(int fd, uint32_t seq)
{
	char buf[8192] __attribute__((aligned(4)));

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return -errno;
		if (len == 0)
			return -EPROTO;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_seq != seq || nh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			return e->error;
		}
	}
}

/* RTM_NEWLINK on ifindex with IFLA_NET_NS_PID: what "ip link set netns" does. */
static int move_to_netns(int ifindex, pid_t pid)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(sizeof(uint32_t))];
	} req;
	struct rtattr *rta = (struct rtattr *)req.attrs;
	uint32_t pid32 = pid;
	int fd, ret;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	rta->rta_type = IFLA_NET_NS_PID;
	rta->rta_len = RTA_LENGTH(sizeof(pid32));
	memcpy(RTA_DATA(rta), &pid32, sizeof(pid32));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + RTA_SPACE(sizeof(pid32));

	fd = nl_open();
	if (fd < 0)
		return -1;
	if (nl_send(fd, &req.nh))
		ret = -errno;
	else
		ret = nl_ack(fd, req.nh.nlmsg_seq);
	close(fd);
	if (ret)
		fail("moving interface %d to the child's namespace: %s",
		     ifindex, strerror(-ret));
	return ret ? -1 : 0;
}

/*
 * Look for a usable (not tentative, not DAD-failed) fe80::/64 address on
 * ifindex: 1 found (in *out), 0 not yet, -1 error.
 */
static int find_linklocal(int fd, uint32_t seq, int ifindex,
			  struct in6_addr *out)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req;
	char buf[16384] __attribute__((aligned(4)));
	int found = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_GETADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.ifa.ifa_family = AF_INET6;
	if (nl_send(fd, &req.nh)) {
		fail("RTM_GETADDR: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			fail("RTM_GETADDR: %s", len ? strerror(errno) : "EOF");
			return -1;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct ifaddrmsg *ifa = NLMSG_DATA(nh);
			struct in6_addr a;
			struct rtattr *rta;
			uint32_t flags;
			int alen, have = 0;

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return found;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				fail("RTM_GETADDR: %s", strerror(-e->error));
				return -1;
			}
			if (nh->nlmsg_type != RTM_NEWADDR ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
			    found || ifa->ifa_family != AF_INET6 ||
			    (int)ifa->ifa_index != ifindex)
				continue;
			flags = ifa->ifa_flags;
			alen = IFA_PAYLOAD(nh);
			for (rta = IFA_RTA(ifa); RTA_OK(rta, alen);
			     rta = RTA_NEXT(rta, alen)) {
				if (rta->rta_type == IFA_ADDRESS &&
				    RTA_PAYLOAD(rta) == sizeof(a)) {
					memcpy(&a, RTA_DATA(rta), sizeof(a));
					have = 1;
				} else if (rta->rta_type == IFA_FLAGS &&
					   RTA_PAYLOAD(rta) == sizeof(flags)) {
					memcpy(&flags, RTA_DATA(rta), sizeof(flags));
				}
			}
			if (have && is_fe80_64(&a) &&
			    !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) {
				*out = a;
				found = 1;
			}
		}
	}
}

static int wait_linklocal(const char *ifname, int ifindex, struct in6_addr *out)
{
	double give_up = now() + ADDR_WAIT_S;
	uint32_t seq = 100;
	int fd, ret;

	fd = nl_open();
	if (fd < 0)
		return -1;
	while (!(ret = find_linklocal(fd, seq++, ifindex, out))) {
		if (now() > give_up) {
			fail("%s: no usable fe80:: address after %d s",
			     ifname, ADDR_WAIT_S);
			ret = -1;
			break;
		}
		usleep(100000);
	}
	close(fd);
	return ret < 0 ? -1 : 0;
}

/* In the current network namespace: make ifname usable, find its address. */
static int netns_setup(const char *ifname, int *ifindex, struct in6_addr *addr)
{
	if (set_sysctl("all", "accept_dad", "0") ||
	    set_sysctl("default", "accept_dad", "0") ||
	    set_sysctl(ifname, "accept_dad", "0") ||
	    set_sysctl(ifname, "disable_ipv6", "0") ||
	    if_up("lo") || if_up(ifname))
		return -1;
	*ifindex = if_nametoindex(ifname);
	if (!*ifindex) {
		fail("%s: %s", ifname, strerror(errno));
		return -1;
	}
	return wait_linklocal(ifname, *ifindex, addr);
}

/* --- parent <-> child --- */

enum { CTL_READY = 1, CTL_INFO };

struct ctl_msg {
	int32_t type;
	int32_t status;		/* 0: fine */
	int32_t ifindex;	/* of IFACE_B, in the child's namespace */
	struct in6_addr addr;	/* IFACE_B's link-local address */
};

union ctl_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * (MAX_STREAMS + 2))];
	struct cmsghdr align;
};

static int ctl_send(int sock, const struct ctl_msg *m, const int *fds, int nfds)
{
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	union ctl_cmsg u;
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	if (nfds) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == sizeof(*m) ? 0 : -1;
}

/* Receive a message of the given type, and up to MAX_STREAMS + 2 fds. */
static int ctl_recv(int sock, int type, struct ctl_msg *m, int *fds, int *nfds)
{
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	union ctl_cmsg u;
	struct cmsghdr *c;
	ssize_t n;

	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	*nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k > MAX_STREAMS + 2 - *nfds)
			k = MAX_STREAMS + 2 - *nfds;
		memcpy(fds + *nfds, CMSG_DATA(c), sizeof(int) * k);
		*nfds += k;
	}
	if (n != sizeof(*m) || m->type != type || (mh.msg_flags & MSG_CTRUNC)) {
		fail("no answer from the child (%s)",
		     n < 0 ? strerror(errno) : n == 0 ? "it hung up" : "bad message");
		return -1;
	}
	return 0;
}

static int child_main(int sock, pid_t parent, const char *ifname, int streams)
{
	struct ctl_msg m = { .type = CTL_READY };
	int fds[MAX_STREAMS + 2], nfds = 0, i;
	char c;

	who = "dma_net_load (child)";
	signal(SIGALRM, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		return 1;
	if (unshare(CLONE_NEWNET)) {
		m.status = errno;
		fail("unshare(CLONE_NEWNET): %s", strerror(m.status));
	}
	if (ctl_send(sock, &m, NULL, 0) || m.status)
		return 1;
	/* The parent moves the interface here, then says so (or hangs up). */
	if (recv(sock, &c, 1, 0) != 1)
		return 1;

	memset(&m, 0, sizeof(m));
	m.type = CTL_INFO;
	if (netns_setup(ifname, &m.ifindex, &m.addr))
		m.status = 1;
	/* Sockets of this namespace, for the parent to use: a listener,
	 * the streams' senders, the UDP socket. */
	for (i = 0; !m.status && i < streams + 2; i++) {
		fds[i] = socket(AF_INET6, (i == streams + 1 ? SOCK_DGRAM : SOCK_STREAM) |
				SOCK_CLOEXEC, 0);
		if (fds[i] < 0) {
			fail("socket(AF_INET6): %s", strerror(errno));
			m.status = 1;
		} else {
			nfds++;
		}
	}
	if (ctl_send(sock, &m, fds, m.status ? 0 : nfds))
		fail("cannot talk to the parent: %s", strerror(errno));
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (m.status)
		return 1;
	/* Keep the namespace until the parent is done: it hangs up. */
	for (;;) {
		ssize_t n = recv(sock, &c, 1, 0);

		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	return 0;
}

/* --- traffic --- */

struct stream {
	int id, dir;		/* id: 0..2S-1; dir: 0 a->b, 1 b->a */
	int sfd, rfd;		/* sender's and receiver's sockets */
	uint64_t sent, received;
	pthread_t sender, receiver;
	int sender_started, receiver_started;
};

struct udp_flow {
	int dir, tx, rx;
	pthread_t sender, receiver;
	int sender_started, receiver_started;
};

static const char *const dir_name[2] = { "a->b", "b->a" };

/* 0: retry, -1: give up (counted) */
static int io_retry(ssize_t n, const char *what, int id)
{
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
	    now() < deadline + GRACE_S)
		return 0;
	fail("tcp stream %d: %s: %s", id, what,
	     n == 0 ? "connection closed" :
	     errno == EAGAIN || errno == EWOULDBLOCK ? "stalled" : strerror(errno));
	return -1;
}

static void *tcp_sender(void *arg)
{
	struct stream *s = arg;
	uint64_t rng = mix64(0x5e4d0000 + s->id), off = 0;
	uint8_t *buf = malloc(CHUNK_MAX);
	char c;

	if (!buf) {
		fail("out of memory");
		goto out;
	}
	while (now() < deadline) {
		size_t len = budget_take(chunk_len(&rng)), done = 0;

		if (!len)
			break;
		fill_pattern(buf, s->id, off, len);
		while (done < len) {
			ssize_t n = send(s->sfd, buf + done, len - done, MSG_NOSIGNAL);

			if (n > 0)
				done += n;
			else if (io_retry(n, "send", s->id))
				break;
		}
		off += done;
		if (done < len)
			goto out;
	}
	/* Our end is done; wait for the receiver to have read it all. */
	if (shutdown(s->sfd, SHUT_WR)) {
		fail("tcp stream %d: shutdown: %s", s->id, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = recv(s->sfd, &c, 1, 0);

		if (n == 0)
			break;
		if (n > 0) {
			fail("tcp stream %d: data on the way back", s->id);
			break;
		}
		if (io_retry(n, "waiting for the receiver to close", s->id))
			break;
	}
out:
	s->sent = off;
	close(s->sfd);
	free(buf);
	return NULL;
}

static void *tcp_receiver(void *arg)
{
	struct stream *s = arg;
	uint8_t *buf = malloc(CHUNK_MAX), *want = malloc(CHUNK_MAX);
	uint64_t off = 0;

	if (!buf || !want) {
		fail("out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = recv(s->rfd, buf, CHUNK_MAX, 0), i, bad = 0;

		if (n == 0)
			break;
		if (n < 0) {
			if (io_retry(n, "recv", s->id))
				break;
			continue;
		}
		fill_pattern(want, s->id, off, n);
		if (memcmp(buf, want, n)) {
			for (i = 0; i < n; i++)
				bad += buf[i] != want[i];
			for (i = 0; buf[i] == want[i]; i++)
				;
			add(&st.tcp_mismatches, bad);
			note("tcp stream %d (%s): %zd of %zd bytes wrong at offset %" PRIu64
			     ", first at %" PRIu64 ": 0x%02x, want 0x%02x",
			     s->id, dir_name[s->dir], bad, n, off, off + i,
			     buf[i], want[i]);
		}
		off += n;
		add(&st.tcp_bytes[s->dir], n);
	}
out:
	s->received = off;
	close(s->rfd);	/* the sender waits for this */
	free(buf);
	free(want);
	return NULL;
}

static void *udp_sender(void *arg)
{
	struct udp_flow *u = arg;
	uint64_t rng = mix64(0x0d90 + u->dir), seq = 0;
	uint32_t magic = UDP_MAGIC, dir = u->dir, len32, csum;
	uint8_t buf[UDP_MAX];

	while (now() < deadline) {
		size_t len;
		ssize_t n;

		if (rnd(&rng) % 4 == 0)
			len = UDP_MIN + rnd(&rng) % (UDP_SMALL - UDP_MIN);
		else
			len = UDP_MIN + rnd(&rng) % (UDP_MAX - UDP_MIN + 1);
		if (budget_take(len) < len)
			break;
		fill_pattern(buf + UDP_HDR, 0x80 | dir, seq * 2048, len - UDP_HDR);
		len32 = len;
		csum = fnv1a(buf + UDP_HDR, len - UDP_HDR);
		memcpy(buf, &magic, 4);
		memcpy(buf + 4, &dir, 4);
		memcpy(buf + 8, &seq, 8);
		memcpy(buf + 16, &len32, 4);
		memcpy(buf + 20, &csum, 4);
		for (;;) {
			n = send(u->tx, buf, len, MSG_NOSIGNAL);
			if (n >= 0 || errno != EINTR)
				break;
		}
		if (n == (ssize_t)len || (n < 0 && errno == ENOBUFS)) {
			/* ENOBUFS: dropped on the way out, a loss */
			seq++;
			add(&st.udp_sent[dir], 1);
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
			   now() < deadline + GRACE_S) {
			continue;
		} else {
			fail("udp %s: send: %s", dir_name[dir],
			     n < 0 ? strerror(errno) : "short send");
			break;
		}
		if (seq % 16 == 0)	/* leave the receiver a chance */
			usleep(1000);
	}
	return NULL;
}

/* NULL if the datagram is intact, else what is wrong with it. */
static const char *udp_check(const uint8_t *buf, ssize_t n, uint32_t dir,
			     uint8_t *want, uint64_t *seq)
{
	uint32_t magic, d, len, csum;

	*seq = 0;
	if (n < UDP_MIN || n > UDP_MAX)
		return "bad size";
	memcpy(&magic, buf, 4);
	memcpy(&d, buf + 4, 4);
	memcpy(seq, buf + 8, 8);
	memcpy(&len, buf + 16, 4);
	memcpy(&csum, buf + 20, 4);
	if (magic != UDP_MAGIC)
		return "bad magic";
	if (d != dir)
		return "wrong direction";
	if (len != n)
		return "length field differs from size";
	if (fnv1a(buf + UDP_HDR, n - UDP_HDR) != csum)
		return "bad checksum";
	fill_pattern(want, 0x80 | dir, *seq * 2048, n - UDP_HDR);
	if (memcmp(buf + UDP_HDR, want, n - UDP_HDR))
		return "payload differs from the pattern";
	return NULL;
}

static void *udp_receiver(void *arg)
{
	struct udp_flow *u = arg;
	uint8_t buf[2048], want[UDP_MAX];
	int draining = 0;

	for (;;) {
		ssize_t n;
		const char *bad;
		uint64_t seq;

		if (!draining && __atomic_load_n(&udp_stop, __ATOMIC_ACQUIRE))
			draining = 1;	/* take what is queued, then stop */
		n = recv(u->rx, buf, sizeof(buf), draining ? MSG_DONTWAIT : 0);
		if (n < 0) {
			if (errno == EINTR || (!draining && errno == EAGAIN))
				continue;
			if (errno != EAGAIN)
				fail("udp %s: recv: %s", dir_name[u->dir], strerror(errno));
			break;
		}
		add(&st.udp_received[u->dir], 1);
		bad = udp_check(buf, n, u->dir, want, &seq);
		if (bad) {
			add(&st.udp_corrupted, 1);
			note("udp %s: corrupted datagram (%zd bytes, seq %" PRIu64 "): %s",
			     dir_name[u->dir], n, seq, bad);
		}
	}
	return NULL;
}

/*
 * fds: the child's sockets (listener, senders, UDP), all closed here. a:
 * our address, b: the child's; each ifindex is that of its own namespace.
 */
static void run_traffic(int streams, int ifa, const struct in6_addr *a,
			int ifb, const struct in6_addr *b, int *fds,
			unsigned int seconds)
{
	static struct stream s[2 * MAX_STREAMS];
	static struct udp_flow u[2];
	int la = -1, lb = fds[0], ua = -1, ub = fds[streams + 1];
	uint16_t port_a, port_b, uport_a, uport_b;
	struct sockaddr_in6 sa;
	int i, n = 2 * streams, ready = 0;

	for (i = 0; i < n; i++)
		s[i].sfd = s[i].rfd = -1;
	la = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ua = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (la < 0 || ua < 0) {
		fail("socket(AF_INET6): %s", strerror(errno));
		goto out;
	}
	if (set_timeouts(la, SOCK_TIMEOUT_MS, SOCK_TIMEOUT_MS) ||
	    set_timeouts(lb, SOCK_TIMEOUT_MS, SOCK_TIMEOUT_MS) ||
	    set_timeouts(ua, UDP_RX_TIMEOUT_MS, SOCK_TIMEOUT_MS) ||
	    set_timeouts(ub, UDP_RX_TIMEOUT_MS, SOCK_TIMEOUT_MS) ||
	    bind_ll(la, a, ifa, &port_a) || bind_ll(lb, b, ifb, &port_b) ||
	    bind_ll(ua, a, ifa, &uport_a) || bind_ll(ub, b, ifb, &uport_b))
		goto out;
	if (listen(la, streams) || listen(lb, streams)) {
		fail("listen: %s", strerror(errno));
		goto out;
	}
	sa = ll_sockaddr(b, ifa, uport_b);
	if (connect(ua, (struct sockaddr *)&sa, sizeof(sa))) {
		fail("udp a->b: connect: %s", strerror(errno));
		goto out;
	}
	sa = ll_sockaddr(a, ifb, uport_a);
	if (connect(ub, (struct sockaddr *)&sa, sizeof(sa))) {
		fail("udp b->a: connect: %s", strerror(errno));
		goto out;
	}

	/* Connect each stream and accept it at once: the listener has no
	 * other connection to give, and the ports must match anyway. */
	for (i = 0; i < n; i++) {
		struct sockaddr_in6 local, peer;
		socklen_t len = sizeof(peer);
		int dir = i >= streams;

		s[i].id = i;
		s[i].dir = dir;
		s[i].sfd = dir ? fds[1 + i - streams] : socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (dir)
			fds[1 + i - streams] = -1;
		if (s[i].sfd < 0) {
			fail("socket(AF_INET6): %s", strerror(errno));
			goto out;
		}
		if (set_timeouts(s[i].sfd, SOCK_TIMEOUT_MS, SOCK_TIMEOUT_MS) ||
		    bind_ll(s[i].sfd, dir ? b : a, dir ? ifb : ifa, NULL))
			goto out;
		sa = dir ? ll_sockaddr(a, ifb, port_a) : ll_sockaddr(b, ifa, port_b);
		if (connect(s[i].sfd, (struct sockaddr *)&sa, sizeof(sa))) {
			fail("tcp stream %d (%s): connect: %s", i, dir_name[dir],
			     strerror(errno));
			goto out;
		}
		s[i].rfd = accept4(dir ? la : lb, (struct sockaddr *)&peer, &len,
				   SOCK_CLOEXEC);
		if (s[i].rfd < 0) {
			fail("tcp stream %d (%s): accept: %s", i, dir_name[dir],
			     strerror(errno));
			goto out;
		}
		len = sizeof(local);
		if (getsockname(s[i].sfd, (struct sockaddr *)&local, &len) ||
		    local.sin6_port != peer.sin6_port) {
			fail("tcp stream %d (%s): accepted a connection that is not ours",
			     i, dir_name[dir]);
			goto out;
		}
		if (set_timeouts(s[i].rfd, SOCK_TIMEOUT_MS, SOCK_TIMEOUT_MS))
			goto out;
	}
	ready = 1;

	deadline = now() + seconds;
	alarm(seconds + HARD_STOP_S);
	for (i = 0; i < 2; i++) {
		u[i].dir = i;
		u[i].tx = i ? ub : ua;
		u[i].rx = i ? ua : ub;
		u[i].receiver_started = !pthread_create(&u[i].receiver, NULL, udp_receiver, &u[i]);
		u[i].sender_started = !pthread_create(&u[i].sender, NULL, udp_sender, &u[i]);
		if (!u[i].receiver_started || !u[i].sender_started)
			fail("pthread_create failed");
	}
	for (i = 0; i < n; i++) {
		s[i].receiver_started = !pthread_create(&s[i].receiver, NULL, tcp_receiver, &s[i]);
		if (!s[i].receiver_started) {
			fail("pthread_create failed");
			close(s[i].rfd);
		}
		s[i].sender_started = !pthread_create(&s[i].sender, NULL, tcp_sender, &s[i]);
		if (!s[i].sender_started) {
			fail("pthread_create failed");
			close(s[i].sfd);	/* the receiver sees EOF */
		}
	}

	for (i = 0; i < n; i++)
		if (s[i].sender_started)
			pthread_join(s[i].sender, NULL);
	for (i = 0; i < 2; i++)
		if (u[i].sender_started)
			pthread_join(u[i].sender, NULL);
	for (i = 0; i < n; i++)
		if (s[i].receiver_started)
			pthread_join(s[i].receiver, NULL);
	usleep(200000);		/* the last datagrams in flight */
	__atomic_store_n(&udp_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		if (u[i].receiver_started)
			pthread_join(u[i].receiver, NULL);

	for (i = 0; i < n; i++)
		if (s[i].sent != s[i].received)
			fail("tcp stream %d (%s): %" PRIu64 " bytes sent, %" PRIu64 " received",
			     i, dir_name[s[i].dir], s[i].sent, s[i].received);
	for (i = 0; i < 2; i++) {
		uint64_t sent = get(&st.udp_sent[i]), got = get(&st.udp_received[i]);

		if (got > sent)
			fail("udp %s: %" PRIu64 " datagrams received, only %" PRIu64 " sent",
			     dir_name[i], got, sent);
		else
			fprintf(stderr, "%s: udp %s: %" PRIu64 " of %" PRIu64 " datagrams lost\n",
				who, dir_name[i], sent - got, sent);
	}
out:
	if (!ready) {
		for (i = 0; i < n; i++) {
			if (s[i].sfd >= 0)
				close(s[i].sfd);
			if (s[i].rfd >= 0)
				close(s[i].rfd);
			s[i].sfd = s[i].rfd = -1;
		}
	}
	if (la >= 0)
		close(la);
	if (ua >= 0)
		close(ua);
	for (i = 0; i < streams + 2; i++)	/* lb, ub, unused senders */
		if (fds[i] >= 0)
			close(fds[i]);
}

/* --- report, main --- */

static char *put(char *p, const char *label, uint64_t v)
{
	char tmp[24];
	int n = 0;

	while (*label)
		*p++ = *label++;
	do
		tmp[n++] = '0' + v % 10;
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	*p++ = '\n';
	return p;
}

/* Async-signal-safe: used by the alarm handler too. */
static void report(uint64_t extra_errors)
{
	char buf[512], *p = buf;

	p = put(p, "tcp bytes a->b: ", get(&st.tcp_bytes[0]));
	p = put(p, "tcp bytes b->a: ", get(&st.tcp_bytes[1]));
	p = put(p, "udp datagrams sent: ", get(&st.udp_sent[0]) + get(&st.udp_sent[1]));
	p = put(p, "udp datagrams received: ",
		get(&st.udp_received[0]) + get(&st.udp_received[1]));
	p = put(p, "udp datagrams corrupted: ", get(&st.udp_corrupted));
	p = put(p, "tcp mismatches: ", get(&st.tcp_mismatches));
	p = put(p, "errors: ", get(&st.errors) + extra_errors);
	if (write(STDOUT_FILENO, buf, p - buf) < 0) {
		/* nothing more to do */
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "dma_net_load: hard time limit reached, giving up\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	report(1);
	_exit(1);
}

static __attribute__((noreturn, format(printf, 1, 2))) void usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "dma_net_load: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr,
		"usage: dma_net_load [-t SECONDS] [-b MAX_BYTES] [-s STREAMS] IFACE_A IFACE_B\n"
		"  -t SECONDS    how long the traffic runs, 1 to 86400 (default 10)\n"
		"  -b MAX_BYTES  stop once this much payload has been sent in all;\n"
		"                suffixes K, M, G (default: no limit)\n"
		"  -s STREAMS    TCP streams each way, 1 to %d (default 2)\n"
		"Checked TCP and UDP traffic both ways between two NICs joined to each\n"
		"other: IFACE_B is moved into a private network namespace for the run\n"
		"and only IPv6 link-local addresses are used. Needs root.\n",
		MAX_STREAMS);
	exit(2);
}

static int parse_num(const char *s, uint64_t min, uint64_t max, int suffixes,
		     uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (suffixes && *end) {
		switch (*end++) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		default: return -1;
		}
	}
	if (*end || v > max / mult || v * mult < min)
		return -1;
	*out = v * mult;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seconds = 10, streams = 2, v;
	const char *ifname_a, *ifname_b;
	struct in6_addr addr_a;
	struct ctl_msg m;
	int fds[MAX_STREAMS + 2], nfds = 0, sv[2], idx_a, idx_b, moved = 0;
	int opt, i, status, ok;
	pid_t parent = getpid(), w;
	double give_up;

	while ((opt = getopt(argc, argv, "t:b:s:h")) != -1) {
		switch (opt) {
		case 't':
			if (parse_num(optarg, 1, 86400, 0, &seconds))
				usage("-t: SECONDS must be a whole number from 1 to 86400, not \"%s\"", optarg);
			break;
		case 'b':
			if (parse_num(optarg, 1, UINT64_MAX / 2, 1, &v))
				usage("-b: MAX_BYTES must be a positive whole number (K, M, G allowed), not \"%s\"", optarg);
			budget_max = v;
			break;
		case 's':
			if (parse_num(optarg, 1, MAX_STREAMS, 0, &streams))
				usage("-s: STREAMS must be a whole number from 1 to %d, not \"%s\"",
				      MAX_STREAMS, optarg);
			break;
		case 'h':
			usage(NULL);
		default:
			usage("unknown option");
		}
	}
	if (argc - optind != 2)
		usage("need two interfaces, IFACE_A and IFACE_B");
	ifname_a = argv[optind];
	ifname_b = argv[optind + 1];
	if (!strcmp(ifname_a, ifname_b))
		usage("IFACE_A and IFACE_B are both \"%s\": they must differ", ifname_a);
	for (i = 0; i < 2; i++) {
		const char *name = i ? ifname_b : ifname_a;

		if (!*name || strlen(name) >= IFNAMSIZ)
			usage("\"%s\" is not a valid interface name", name);
		if (!strcmp(name, "lo"))
			usage("lo cannot be used");
		if (!if_nametoindex(name))
			usage("no interface named \"%s\"", name);
	}
	idx_b = if_nametoindex(ifname_b);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		fail("socketpair: %s", strerror(errno));
		report(0);
		return 1;
	}
	for (i = 0; i < 2; i++) {
		struct timeval tv = { CTL_TIMEOUT_MS / 1000, 0 };

		setsockopt(sv[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(sv[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	fflush(stdout);
	fflush(stderr);
	child_pid = fork();
	if (child_pid < 0) {
		fail("fork: %s", strerror(errno));
		report(0);
		return 1;
	}
	if (child_pid == 0) {
		close(sv[0]);
		_exit(child_main(sv[1], parent, ifname_b, streams));
	}
	close(sv[1]);
	alarm(SETUP_LIMIT_S);

	if (ctl_recv(sv[0], CTL_READY, &m, fds, &nfds))
		goto out;
	if (m.status) {
		fail("the child could not make a network namespace");
		goto out;
	}
	if (move_to_netns(idx_b, child_pid))
		goto out;
	moved = 1;
	if (send(sv[0], "m", 1, MSG_NOSIGNAL) != 1) {
		fail("cannot talk to the child: %s", strerror(errno));
		goto out;
	}
	if (netns_setup(ifname_a, &idx_a, &addr_a))
		goto out;
	if (ctl_recv(sv[0], CTL_INFO, &m, fds, &nfds))
		goto out;
	if (m.status) {
		fail("setting up %s in the child's namespace failed", ifname_b);
		goto out;
	}
	if (nfds != (int)streams + 2 || !is_fe80_64(&m.addr) || m.ifindex <= 0) {
		fail("bad answer from the child");
		goto out;
	}
	run_traffic(streams, idx_a, &addr_a, m.ifindex, &m.addr, fds, seconds);
	nfds = 0;	/* run_traffic closed them */
out:
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(sv[0]);		/* the child exits, its namespace goes */
	while ((w = waitpid(child_pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w != child_pid)
		fail("waitpid: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child failed (status 0x%x)", status);
	child_pid = 0;
	if (moved) {
		for (give_up = now() + RETURN_WAIT_S; !if_nametoindex(ifname_b); usleep(100000)) {
			if (now() > give_up) {
				fprintf(stderr, "%s: note: %s did not come back to this namespace"
					" (a virtual device is destroyed with the namespace)\n",
					who, ifname_b);
				break;
			}
		}
	}
	alarm(0);
	fflush(stderr);
	report(0);
	ok = get(&st.tcp_bytes[0]) && get(&st.tcp_bytes[1]) &&
	     !get(&st.tcp_mismatches) && !get(&st.udp_corrupted) && !get(&st.errors);
	return ok ? 0 : 1;
}
