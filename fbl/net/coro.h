// C++20 coroutines on Boost.Asio 1.74 (awaitable, use_awaitable, co_spawn).
// Include this BEFORE any Boost.Asio header in a translation unit that uses coroutines:
// Boost 1.74 only detects coroutine support for g++ (and needs <utility> first); with
// clang-14 + libstdc++ 12 (the fuzz build) the support is there but must be declared.
#pragma once

#include <utility>

#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
