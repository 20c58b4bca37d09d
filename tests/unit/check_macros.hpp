#pragma once
// Forced into every unit test (tests/unit/CMakeLists.txt). CAF 0.17's
// CAF_CHECK_EQUAL and friends bind `auto&& x = expr;` in a statement of its
// own, so a check like `CAF_CHECK_EQUAL(parse(s).at("k").as_string(), "v")`
// compares a reference into a temporary that is already gone (AddressSanitizer
// reports it). Here both sides are evaluated and compared in one full
// expression, so temporaries live until the comparison is done.

#include <caf/test/unit_test.hpp>

// unit_test.hpp named the suite "unnamed" because no file has defined it
// yet; each test file defines its own after this header.
#undef CAF_SUITE

#undef CAF_CHECK_FUNC
#define CAF_CHECK_FUNC(func, x_expr, y_expr)                                                                 \
  do {                                                                                                       \
    [&](auto&& x_val___, auto&& y_val___) {                                                                  \
      func comparator;                                                                                       \
      static_cast<void>(::caf::test::detail::check(::caf::test::engine::current_test(), __FILE__, __LINE__, \
                                                   CAF_FUNC_EXPR(func, x_expr, y_expr), false,               \
                                                   comparator(x_val___, y_val___), x_val___, y_val___));     \
    }(x_expr, y_expr);                                                                                       \
    ::caf::test::engine::last_check_file(__FILE__);                                                          \
    ::caf::test::engine::last_check_line(__LINE__);                                                          \
  } while (false)
