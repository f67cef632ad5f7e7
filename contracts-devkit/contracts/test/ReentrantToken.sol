// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice TEST ONLY. A hostile ERC20 with an ERC-777-style hook: whenever `pool` sends it to an
/// account, it calls that account's `onTokensReceived()`, handing control back mid-transfer.
contract ReentrantToken is ERC20 {
    address public pool;

    constructor() ERC20("Reentrant", "REENT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setPool(address pool_) external {
        pool = pool_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == pool && pool != address(0) && to.code.length > 0) ReentrantMember(to).onTokensReceived();
    }
}

/// @notice TEST ONLY. A pool member that is a contract: it owns a data NFT, contributes, claims,
/// and, when the hostile token calls it back, calls the pool again (`reentry`) and records what
/// happened.
contract ReentrantMember {
    address public immutable owner;
    address public reentryTarget;
    bytes public reentryCall;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor() {
        owner = msg.sender;
    }

    /// @notice Calls `target` with `data` as this contract (owner only); bubbles a revert up.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "owner only");
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice What to call when the hostile token hands control back.
    function setReentry(address target, bytes calldata data) external {
        require(msg.sender == owner, "owner only");
        reentryTarget = target;
        reentryCall = data;
    }

    function onTokensReceived() external {
        if (reentryCall.length == 0) return;
        reentryAttempts++;
        (bool ok, bytes memory result) = reentryTarget.call(reentryCall);
        reentrySucceeded = ok;
        reentryError = result;
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
